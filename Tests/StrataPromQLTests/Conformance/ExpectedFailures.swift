/// Why a corpus case is allowed to fail. Only features Strata deliberately does not build yet
/// qualify; everything else that fails is a bug to fix.
enum ConformanceFailureReason: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Experimental native-histogram trim operators `</` and `>/` (the parser refuses them).
    case histogramTrimOperators
    /// Counter resets Prometheus detects while reading samples for `histogram_count` /
    /// `histogram_sum` of a selector (its `HistogramStatsIterator` turns them into "reset"
    /// hints, which then collide in an aggregation); Strata reads the stored hints.
    case histogramStatsIterator
    /// Experimental `smoothed` / `anchored` range-selector modifiers (promql-extended-range-selectors).
    case extendedRangeSelectors
    /// Experimental `fill` / `fill_left` / `fill_right` binary-operator modifiers.
    case fillModifiers
    /// Experimental duration expressions (promql-duration-expr).
    case durationExpressions
    /// Experimental `info()` function.
    case infoFunction
    /// Experimental type-and-unit labels (`__type__`, `__unit__`; type-and-unit-labels flag).
    case typeAndUnitLabels
    /// Experimental start timestamps (`@st` load lines; st-storage).
    case startTimestamps
    /// The parser refuses the expression on purpose for a reason not covered above (see
    /// KnownUnsupported.swift).
    case parserRefuses(String)

    /// The feature behind an expression the parser refuses on purpose (KnownUnsupported.swift).
    init(refused: KnownUnsupported.Reason) {
        switch refused {
        case .smoothed, .anchored: self = .extendedRangeSelectors
        case .fill: self = .fillModifiers
        case .durationExpression: self = .durationExpressions
        case .trim: self = .histogramTrimOperators
        @unknown default: self = .parserRefuses(refused.rawValue)
        }
    }

    var description: String {
        switch self {
        case .histogramTrimOperators: return "native histogram trim operators </ >/ (experimental)"
        case .histogramStatsIterator: return "counter resets detected while reading histograms (HistogramStatsIterator)"
        case .extendedRangeSelectors: return "smoothed/anchored range selectors (experimental)"
        case .fillModifiers: return "fill modifiers (experimental)"
        case .durationExpressions: return "duration expressions (experimental)"
        case .infoFunction: return "info() (experimental)"
        case .typeAndUnitLabels: return "type-and-unit labels (experimental)"
        case .startTimestamps: return "start timestamps (experimental)"
        case .parserRefuses(let why): return "parser refuses: \(why)"
        }
    }

    /// A short key for summaries.
    var summaryKey: String {
        switch self {
        case .parserRefuses: return "parser refuses (other)"
        default: return description
        }
    }
}

/// The corpus cases expected to fail, by file and line of their `eval` line.
///
/// Expressions the parser refuses on purpose are derived mechanically and not listed here
/// (KnownUnsupported.swift, counted under the feature they belong to). This list holds the
/// rest: cases of Prometheus's experimental features that Strata does not build yet, and the
/// native-histogram cases that still fail, each with its reason.
/// `STRATA_CONFORMANCE_SUGGEST=1` prints candidate entries for unexpected failures in the
/// experimental files.
enum ConformanceExpectedFailures {
    /// Hand-kept entries: (file, eval line, reason).
    static let list: [(String, Int, ConformanceFailureReason)] = [
        ("extended_vectors.test", 370, .extendedRangeSelectors),  // deriv(foo[3m] smoothed)
        ("extended_vectors.test", 373, .extendedRangeSelectors),  // resets(foo[3m] smoothed)
        ("extended_vectors.test", 376, .extendedRangeSelectors),  // changes(foo[3m] smoothed)
        ("extended_vectors.test", 379, .extendedRangeSelectors),  // max_over_time(foo[3m] smoothed)
        ("extended_vectors.test", 382, .extendedRangeSelectors),  // predict_linear(foo[3m] smoothed, 4)
        ("extended_vectors.test", 385, .extendedRangeSelectors),  // deriv(foo[3m] anchored)
        ("extended_vectors.test", 392, .extendedRangeSelectors),  // max_over_time(foo[3m] anchored)
        ("extended_vectors.test", 395, .extendedRangeSelectors),  // predict_linear(foo[3m] anchored, 4)
        ("start_timestamps.test", 8, .startTimestamps),  // increase(cumulative[5m])
        ("start_timestamps.test", 13, .startTimestamps),  // rate(cumulative[5m])
        ("start_timestamps.test", 18, .startTimestamps),  // irate(cumulative[5m])
        ("start_timestamps.test", 24, .startTimestamps),  // round(increase(cumulative[5m1ms]))
        ("start_timestamps.test", 42, .startTimestamps),  // resets(cumulative[5m])
        ("start_timestamps.test", 66, .startTimestamps),  // increase(delta[5m])
        ("start_timestamps.test", 74, .startTimestamps),  // rate(delta[5m])
        ("start_timestamps.test", 82, .startTimestamps),  // irate(delta[5m])
        ("start_timestamps.test", 144, .startTimestamps),  // increase(series[5m])
        ("start_timestamps.test", 169, .startTimestamps),  // increase(series[5m])
        ("start_timestamps.test", 189, .startTimestamps),  // round(increase(series[1m1ms]))
        ("start_timestamps.test", 276, .startTimestamps),  // rate(counter_total{type!="overlap"}[3m])
        ("start_timestamps.test", 284, .startTimestamps),  // rate(counter_total{type="overlap"}[3m])
        ("start_timestamps.test", 289, .startTimestamps),  // rate(counter_total[3m])
        ("start_timestamps.test", 207, .startTimestamps),  // increase(cumulative[5m]) (histograms with start timestamps)
        ("start_timestamps.test", 210, .startTimestamps),  // rate(cumulative[5m])
        ("start_timestamps.test", 213, .startTimestamps),  // irate(cumulative[5m])
        ("start_timestamps.test", 217, .startTimestamps),  // resets(cumulative[5m])
        ("start_timestamps.test", 234, .startTimestamps),  // increase(delta[5m])
        ("start_timestamps.test", 240, .startTimestamps),  // rate(delta[5m])
        ("start_timestamps.test", 246, .startTimestamps),  // irate(delta[5m])
        ("start_timestamps.test", 259, .startTimestamps),  // rate(series[5m])
        ("start_timestamps.test", 305, .startTimestamps),  // start_timestamp(series)
        ("native_histograms.test", 1857, .histogramStatsIterator),  // histogram_count(sum(metric))
        ("native_histograms.test", 1862, .histogramStatsIterator),  // histogram_count(avg(metric))
        ("native_histograms.test", 1867, .histogramStatsIterator),  // histogram_count(sum_over_time(mixed[10m]))
        ("native_histograms.test", 1872, .histogramStatsIterator),  // histogram_count(avg_over_time(mixed[10m]))
        ("native_histograms.test", 1880, .histogramStatsIterator),  // histogram_count(sum_over_time(mixed[2m]))
        ("native_histograms.test", 1885, .histogramStatsIterator),  // histogram_count(avg_over_time(mixed[2m]))
        ("native_histograms.test", 1947, .histogramStatsIterator),  // histogram_count(sum_over_time(reset{timing="late"}[5m]))
        ("native_histograms.test", 1951, .histogramStatsIterator),  // histogram_count(sum(reset))
        ("native_histograms.test", 1955, .histogramStatsIterator),  // histogram_count(avg(reset))
    ]

    /// `list` keyed by file, then line.
    static let byFile: [String: [Int: ConformanceFailureReason]] = {
        var out: [String: [Int: ConformanceFailureReason]] = [:]
        for (file, line, reason) in list { out[file, default: [:]][line] = reason }
        return out
    }()

    /// Files whose every case exercises an experimental Prometheus feature.
    static let experimentalFiles: [String: ConformanceFailureReason] = [
        "duration_expression.test": .durationExpressions,
        "extended_vectors.test": .extendedRangeSelectors,
        "fill-modifier.test": .fillModifiers,
        "info.test": .infoFunction,
        "start_timestamps.test": .startTimestamps,
        "type_and_unit.test": .typeAndUnitLabels,
    ]

    /// A likely reason for a failing case, for `STRATA_CONFORMANCE_SUGGEST`; nil when the case
    /// does not look like an experimental feature (then it must be fixed, not listed).
    static func suggestion(file: String, expression: String) -> ConformanceFailureReason? {
        if expression.contains(" smoothed") || expression.contains(" anchored") { return .extendedRangeSelectors }
        if expression.contains("fill(") || expression.contains("fill_left") || expression.contains("fill_right") { return .fillModifiers }
        if expression.contains("info(") { return .infoFunction }
        if expression.contains("__type__") || expression.contains("__unit__") { return .typeAndUnitLabels }
        return experimentalFiles[file]
    }
}
