import StrataModel

/// The texts of the head's refusals. They follow Mimir's ingester messages (with Strata's IDs and
/// flags) so that runbooks written for Mimir read the same.
enum HeadMessages {
    /// The flag of the per-tenant series limit.
    static let maxSeriesPerUserFlag = "-ingester.max-global-series-per-user"
    /// The flag of the per-metric series limit.
    static let maxSeriesPerMetricFlag = "-ingester.max-global-series-per-metric"

    /// A refused sample: reason, ID, then the sample's timestamp and series.
    static func sample(_ id: ErrorID, timestamp: Int64, labels: Labels) -> String {
        let reason: String
        switch id {
        case .sampleOutOfOrder:
            reason = "the sample has been rejected because another sample with a more recent timestamp has already been ingested and out-of-order samples are not allowed"
        case .sampleDuplicateTimestamp:
            reason = "the sample has been rejected because another sample with the same timestamp, but a different value, has already been ingested"
        case .sampleTimestampTooOld:
            reason = "the sample has been rejected because its timestamp is too old"
        default:
            reason = "the sample has been rejected"
        }
        return "\(reason) (\(id.id)). The affected sample has timestamp \(formatRFC3339(milliseconds: timestamp)) and is from series \(formatLabels(labels))"
    }

    /// A sample older than the out-of-order window (Mimir's `err-mimir-sample-too-old` text).
    static func tooOld(timestamp: Int64, window: Int64, labels: Labels) -> String {
        "the sample has been rejected because another sample with a more recent timestamp has already been ingested and this sample is beyond the out-of-order time window of \(formatWindow(window)) (\(ErrorID.sampleTooOld.id)). To adjust the related per-tenant limit, configure -ingester.out-of-order-time-window, or contact your service administrator. The affected sample has timestamp \(formatRFC3339(milliseconds: timestamp)) and is from series \(formatLabels(labels))"
    }

    /// A window in ms as Go prints a duration's coarse units: `30m`, `1h`, `90s`, `1500ms`.
    static func formatWindow(_ ms: Int64) -> String {
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }

    /// A sample older than the head's `minValidTime`: its block range was already cut into a
    /// block, so the head cannot take it any more.
    static func belowMinValidTime(timestamp: Int64, minValidTime: Int64, labels: Labels) -> String {
        "the sample has been rejected because its timestamp is too old: it is before the head's minValidTime \(formatRFC3339(milliseconds: minValidTime)), up to which data has already been cut into blocks (\(ErrorID.sampleTimestampTooOld.id)). The affected sample has timestamp \(formatRFC3339(milliseconds: timestamp)) and is from series \(formatLabels(labels))"
    }

    static func maxSeriesPerUser(limit: Int) -> String {
        "per-user series limit of \(limit) exceeded (\(ErrorID.maxSeriesPerUser.id)). To adjust the related per-tenant limit, configure \(maxSeriesPerUserFlag), or contact your service administrator."
    }

    static func maxSeriesPerMetric(limit: Int, labels: Labels) -> String {
        "per-metric series limit of \(limit) exceeded (\(ErrorID.maxSeriesPerMetric.id)). To adjust the related per-tenant limit, configure \(maxSeriesPerMetricFlag), or contact your service administrator. This is for series \(formatLabels(labels))"
    }

    /// Prometheus's `labels.String()`: `{__name__="up", job="x"}`.
    static func formatLabels(_ labels: Labels) -> String {
        var out = "{"
        for (i, label) in labels.enumerated() {
            if i > 0 { out += ", " }
            out += label.name
            out += "="
            out += quoteLabelValue(label.value)
        }
        return out + "}"
    }

    /// Go's `time.RFC3339Nano` in UTC for a millisecond timestamp: trailing zeros of the fraction
    /// dropped, no fraction for whole seconds (`2026-11-25T10:00:00Z`, `1970-01-19T05:30:43.969Z`).
    static func formatRFC3339(milliseconds ms: Int64) -> String {
        let msPerDay: Int64 = 86_400_000
        var days = ms / msPerDay
        var rem = ms % msPerDay
        if rem < 0 { rem += msPerDay; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        let secondsOfDay = rem / 1000
        let millis = rem % 1000
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
        if millis != 0 {
            var frac = pad(millis, 3)
            while frac.hasSuffix("0") { frac.removeLast() }
            out += "." + frac
        }
        return out + "Z"
    }

    /// Year, month, day of the proleptic Gregorian calendar for days since 1970-01-01
    /// (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v < 0 ? -v : v)
        let padded = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        return v < 0 ? "-" + padded : padded
    }
}
