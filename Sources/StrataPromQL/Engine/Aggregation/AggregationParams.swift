import StrataModel

/// The checks Prometheus applies to the numeric parameter of `topk`, `bottomk`, `limitk`,
/// `limit_ratio` and `quantile`, with its exact error and warning texts.
enum AggregationParams {
    /// The largest float that converts to an Int64 without overflow (Prometheus's `maxInt64`).
    static let maxInt64: Double = 9_223_372_036_854_774_784
    /// The smallest float that converts to an Int64 without underflow (Prometheus's `minInt64`).
    static let minInt64: Double = -9_223_372_036_854_775_808

    /// Whole-range checks, as Prometheus runs them once before aggregating: errors for NaN and
    /// for counts outside Int64, warnings for ratios and quantiles out of range.
    ///
    /// Max and min propagate NaN as Go's `math.Max`/`math.Min` do, which decides whether an
    /// all-below-one `k` short-circuits before the NaN check.
    static func validateRange(
        op: AggregateOp, params: [Double], position: PositionRange?, annotations: inout Annotations
    ) throws(QueryError) {
        guard !params.isEmpty else { return }
        var maxValue = -Double.greatestFiniteMagnitude
        var minValue = Double.greatestFiniteMagnitude
        var hasNaN = false
        for p in params {
            if p.isNaN {
                hasNaN = true
                maxValue = .nan
                minValue = .nan
            } else if !maxValue.isNaN {
                maxValue = Swift.max(maxValue, p)
                minValue = Swift.min(minValue, p)
            }
        }
        switch op {
        case .topk, .bottomk, .limitk:
            if maxValue < 1 { return }
            if hasNaN { throw .execution("Parameter value is NaN") }
            if minValue <= minInt64 {
                throw .execution("Scalar value \(goG(minValue)) underflows int64")
            }
            if maxValue >= maxInt64 {
                throw .execution("Scalar value \(goG(maxValue)) overflows int64")
            }
        case .limit_ratio:
            if maxValue == 0 && minValue == 0 { return }
            if hasNaN { throw .execution("Ratio value is NaN") }
            if maxValue > 1 { annotations.warn(ratioWarning(maxValue, cappedTo: 1), at: position) }
            if minValue < -1 { annotations.warn(ratioWarning(minValue, cappedTo: -1), at: position) }
        case .quantile:
            if hasNaN { annotations.warn(quantileWarning(.nan), at: position) }
            if maxValue > 1 { annotations.warn(quantileWarning(maxValue), at: position) }
            if minValue < 0 { annotations.warn(quantileWarning(minValue), at: position) }
        default:
            return
        }
    }

    /// Per-step check of a `topk`/`bottomk`/`limitk` count: nil when the step yields nothing
    /// (`k < 1`), otherwise `k` capped at the number of input series.
    static func checkedK(_ p: Double, seriesCount: Int, validated: Bool) throws(QueryError) -> Int? {
        if !validated {
            if p.isNaN { throw .execution("Parameter value is NaN") }
            if p < 1 { return nil }
            if p >= maxInt64 { throw .execution("Scalar value \(goG(p)) overflows int64") }
        }
        // Validated ranges can still hold a step below one when other steps are not.
        guard p >= 1, p < maxInt64 else { return nil }
        return Swift.min(Int(Int64(p)), seriesCount)
    }

    /// Per-step check of a `limit_ratio` ratio: nil when the step yields nothing (ratio 0),
    /// otherwise the ratio capped to [-1, 1] (with Prometheus's warning when not validated).
    static func checkedRatio(
        _ p: Double, position: PositionRange?, validated: Bool, annotations: inout Annotations
    ) throws(QueryError) -> Double? {
        if p.isNaN {
            if validated { return nil }
            throw .execution("Ratio value is NaN")
        }
        if p == 0 { return nil }
        if p > 1 {
            if !validated { annotations.warn(ratioWarning(p, cappedTo: 1), at: position) }
            return 1
        }
        if p < -1 {
            if !validated { annotations.warn(ratioWarning(p, cappedTo: -1), at: position) }
            return -1
        }
        return p
    }

    /// Per-step warning for a quantile outside [0, 1] or NaN.
    static func checkQuantile(_ q: Double, position: PositionRange?, annotations: inout Annotations) {
        if q.isNaN || q < 0 || q > 1 {
            annotations.warn(quantileWarning(q), at: position)
        }
    }

    /// A number as Go's `%g`/`%v` prints it, the form Prometheus's messages use.
    static func goG(_ v: Double) -> String { GoFloat.format(v, .shortest) }

    /// Prometheus's `NewInvalidQuantileWarning` text.
    static func quantileWarning(_ q: Double) -> String {
        "quantile value should be between 0 and 1, got \(goG(q))"
    }

    /// Prometheus's `NewInvalidRatioWarning` text.
    static func ratioWarning(_ r: Double, cappedTo limit: Double) -> String {
        "ratio value should be between -1 and 1, got \(goG(r)), capping to \(goG(limit))"
    }
}
