import StrataModel
import StrataLimits

/// One refused series or sample: its stable ID and the message the client sees.
///
/// Texts are Mimir's (pkg/distributor/validate.go) with `err-mimir-` → `err-strata-`, so that
/// runbooks and log searches written for Mimir keep working.
struct ValidationError: Sendable, Equatable {
    /// The stable error ID.
    let id: ErrorID
    /// The full message, ending with the ID and, for limits, the flag to change.
    let message: String

    /// Longest rendering of a label, value or series in a message (Go's `%.200s`).
    static let maxShown = 200

    /// A series whose label or sample ranges point outside the decoded request (a decoder bug or a
    /// corrupt batch); Mimir has no equivalent because its decoder materialises every label.
    static func corruptSeries() -> ValidationError {
        plain(.invalidRequestBody, "received a series whose labels or samples lie outside the request body")
    }

    static func missingMetricName() -> ValidationError {
        plain(.missingMetricName, "received series has no metric name")
    }

    static func metricNameInvalid(_ name: String) -> ValidationError {
        plain(.metricNameInvalid, "received a series with invalid metric name: '\(truncated(removingNonASCII(name)))'")
    }

    static func maxLabelNamesPerSeries(actual: Int, limit: Int, series: String) -> ValidationError {
        let ellipsis = series.unicodeScalars.count > maxShown ? "\u{2026}" : ""
        return perTenant(.maxLabelNamesPerSeries,
                         "received a series whose number of labels exceeds the limit (actual: \(actual), limit: \(limit)) series: '\(truncated(series))\(ellipsis)'",
                         flags: ["validation.max-label-names-per-series"])
    }

    static func labelInvalid(label: String, series: String) -> ValidationError {
        plain(.labelInvalid, "received a series with an invalid label: '\(truncated(label))' series: '\(truncated(series))'")
    }

    static func labelNameTooLong(label: String, series: String) -> ValidationError {
        perTenant(.labelNameTooLong,
                  "received a series whose label name length exceeds the limit, label: '\(truncated(label))' series: '\(truncated(series))'",
                  flags: ["validation.max-length-label-name"])
    }

    static func labelValueInvalid(label: String, value: String, metric: String) -> ValidationError {
        plain(.labelValueInvalid,
              "received a series with invalid value in label '\(truncated(label))': '\(truncated(value))' metric: '\(truncated(metric))'")
    }

    static func labelValueTooLong(label: String, value: String, series: String) -> ValidationError {
        perTenant(.labelValueTooLong,
                  "received a series whose label value length exceeds the limit, label: '\(label)', value: '\(truncated(value))' (truncated) series: '\(truncated(series))'",
                  flags: ["validation.max-length-label-value"])
    }

    static func duplicateLabelNames(label: String, series: String) -> ValidationError {
        plain(.duplicateLabelNames, "received a series with duplicate label name, label: '\(truncated(label))' series: '\(truncated(series))'")
    }

    static func labelsNotSorted(label: String, series: String) -> ValidationError {
        plain(.labelsNotSorted,
              "received a series where the label names are not alphabetically sorted, label: '\(truncated(label))' series: '\(truncated(series))'")
    }

    static func tooFarInFuture(timestamp: Int64, metric: String) -> ValidationError {
        perTenant(.tooFarInFuture,
                  "received a sample whose timestamp is too far in the future, timestamp: \(timestamp) series: '\(truncated(metric))'",
                  flags: ["validation.create-grace-period"])
    }

    static func tooFarInPast(timestamp: Int64, metric: String) -> ValidationError {
        perTenant(.tooFarInPast,
                  "received a sample whose timestamp is too far in the past, timestamp: \(timestamp) series: '\(truncated(metric))'",
                  flags: ["validation.past-grace-period"])
    }

    static func invalidNativeHistogramSchema(schema: Int32, timestamp: Int64, series: String) -> ValidationError {
        plain(.invalidNativeHistogramSchema,
              "received a native histogram sample with an invalid schema: \(schema) (valid: -4 to 8, or -53 for custom buckets), timestamp: \(timestamp) series: '\(truncated(series))'")
    }

    static func nativeHistogramInvalid(problem: String, timestamp: Int64, series: String) -> ValidationError {
        plain(.nativeHistogramInvalid,
              "received a native histogram sample that is invalid: \(problem), timestamp: \(timestamp) series: '\(truncated(series))'")
    }

    static func maxNativeHistogramBuckets(timestamp: Int64, series: String, buckets: Int, limit: Int) -> ValidationError {
        perTenant(.maxNativeHistogramBuckets,
                  "received a native histogram sample with too many buckets, timestamp: \(timestamp) series: \(truncated(series)), buckets: \(buckets), limit: \(limit)",
                  flags: ["validation.max-native-histogram-buckets"])
    }

    static func notReducibleNativeHistogram(timestamp: Int64, series: String, buckets: Int, limit: Int) -> ValidationError {
        perTenant(.notReducibleNativeHistogram,
                  "received a native histogram sample with too many buckets and cannot reduce, timestamp: \(timestamp) series: \(truncated(series)), buckets: \(buckets), limit: \(limit)",
                  flags: ["validation.max-native-histogram-buckets"])
    }

    /// The 429 text of Mimir's `NewIngestionRateLimitedError`.
    static func ingestionRateLimited(rate: Double, burst: Int) -> String {
        perTenantMessage(.tenantMaxIngestionRate,
                         "the request has been rejected because the tenant exceeded the ingestion rate limit, set to \(formatGoFloat(rate)) items/s with a maximum allowed burst of \(burst). This limit is applied on the total number of samples, exemplars and metadata received across all distributors",
                         flags: ["distributor.ingestion-rate-limit", "distributor.ingestion-burst-size"])
    }

    // MARK: - Message shapes (Mimir's globalerror.ID.Message / MessageWithPerTenantLimitConfig)

    private static func plain(_ id: ErrorID, _ message: String) -> ValidationError {
        ValidationError(id: id, message: "\(message) (\(id.id))")
    }

    private static func perTenant(_ id: ErrorID, _ message: String, flags: [String]) -> ValidationError {
        ValidationError(id: id, message: perTenantMessage(id, message, flags: flags))
    }

    static func perTenantMessage(_ id: ErrorID, _ message: String, flags: [String]) -> String {
        let dashed = flags.map { "-" + $0 }
        let list: String
        if dashed.count <= 1 {
            list = dashed.first ?? ""
        } else {
            list = dashed.dropLast().joined(separator: ", ") + " and " + (dashed.last ?? "")
        }
        let plural = dashed.count > 1 ? "s" : ""
        return "\(message) (\(id.id)). To adjust the related per-tenant limit\(plural), configure \(list), or contact your service administrator."
    }

    /// The first `maxShown` Unicode scalars of `text` (Go's `%.200s` counts runes).
    static func truncated(_ text: String) -> String {
        let scalars = text.unicodeScalars
        if scalars.count <= maxShown { return text }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars.prefix(maxShown))
        return String(out)
    }

    /// Mimir strips non-ASCII from an invalid metric name before echoing it, and says so.
    static func removingNonASCII(_ text: String) -> String {
        var out = ""
        var removed = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII { out.unicodeScalars.append(scalar) } else { removed = true }
        }
        return removed ? out + " (non-ascii characters removed)" : out
    }
}
