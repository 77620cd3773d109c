import StrataModel
import StrataPromQL

/// The parameters of the cardinality API, each checked with a message naming it and
/// `err-strata-invalid-cardinality-request` (docs/cardinality.md).
enum CardinalityParams {
    /// `limit` of `label_names` and `label_values`: Mimir's default and maximum.
    static let labelsLimit = (default: 20, max: 500)
    /// `limit` of `status/tsdb`: Prometheus's default; the maximum is Strata's.
    static let tsdbLimit = (default: 10, max: 500)
    /// `limit` of `active_series`: every matching series up to this many.
    static let activeSeriesLimit = (default: 500_000, max: 500_000)
    /// `limit` of `history` (metrics per day).
    static let historyLimit = (default: 10, max: 500)
    /// `limit` of `unused`.
    static let unusedLimit = (default: 100, max: 10_000)
    /// `days` of `history`.
    static let historyDays = (default: 14, range: 1...400)
    /// `days` of `unused`.
    static let unusedDays = (default: 30, range: 1...400)
    /// Most `label_names[]` in one `label_values` request.
    static let maxLabelNames = 100

    /// A 400 naming the parameter.
    static func invalid(_ name: String, _ reason: String) -> PromAPIError {
        PromAPIError(.badData, "invalid parameter \"\(name)\": \(reason) (\(ErrorID.invalidCardinalityRequest.id))")
    }

    /// An integer parameter within `1...max`, `defaultValue` when absent.
    static func positiveInt(_ params: PromAPIParams, _ name: String, default defaultValue: Int, max: Int) throws(PromAPIError) -> Int {
        let text = params.value(name)
        guard !text.isEmpty else { return defaultValue }
        guard let n = Int(text), n >= 1, n <= max else {
            throw invalid(name, "\(goQuote(text)) is not an integer from 1 to \(max)")
        }
        return n
    }

    /// `days` within `range`, `defaultValue` when absent.
    static func days(_ params: PromAPIParams, default defaultValue: Int, range: ClosedRange<Int>) throws(PromAPIError) -> Int {
        let text = params.value("days")
        guard !text.isEmpty else { return defaultValue }
        guard let n = Int(text), range.contains(n) else {
            throw invalid("days", "\(goQuote(text)) is not a number of days from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// `selector`: a series selector such as `{job="x"}` or `up{instance=~"a.*"}`; empty selects
    /// every series, unless `required`.
    static func selector(_ params: PromAPIParams, required: Bool) throws(PromAPIError) -> [LabelMatcher] {
        let text = params.value("selector")
        guard !text.isEmpty else {
            if required { throw invalid("selector", "a series selector such as {job=\"x\"} is required") }
            return []
        }
        let expr: Expr
        do {
            expr = try PromQL.parse(text)
        } catch {
            throw invalid("selector", error.description)
        }
        guard case .vectorSelector(let selector) = expr, selector.offset == .zero, selector.at == nil else {
            throw invalid("selector", "expected a series selector such as metric{label=\"value\"}, got \(PromQL.format(expr))")
        }
        return selector.matchers
    }

    /// `label_names[]` of `label_values`: at least one, at most `maxLabelNames`, each a valid name.
    static func labelNames(_ params: PromAPIParams) throws(PromAPIError) -> [String] {
        let names = params.values("label_names[]")
        guard !names.isEmpty else { throw invalid("label_names[]", "at least one label name is required, e.g. label_names[]=job") }
        guard names.count <= maxLabelNames else {
            throw invalid("label_names[]", "\(names.count) label names, at most \(maxLabelNames) are allowed per request")
        }
        for name in names where !PromAPIHandler.isLegacyLabelName(name) {
            throw invalid("label_names[]", "\(goQuote(name)) is not a valid label name")
        }
        return names
    }

    /// `metric` of `history`: empty, or a valid metric name.
    static func metric(_ params: PromAPIParams) throws(PromAPIError) -> String? {
        let text = params.value("metric")
        guard !text.isEmpty else { return nil }
        guard isMetricName(text) else { throw invalid("metric", "\(goQuote(text)) is not a valid metric name") }
        return text
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.utf8.first, first < 0x80, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return s.utf8.allSatisfy { c in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
        }
    }
}
