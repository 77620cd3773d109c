/// The floating-point kernels of the aggregations, kept bit-compatible with Prometheus.
///
/// A namespace so that other engine folders can have their own helpers of the same names.
enum AggregationMath {
    /// The φ-quantile of `values` as the `quantile` aggregation computes it.
    ///
    /// Linear interpolation between the two closest ranks; NaN sorts below every number (so a
    /// quantile next to a NaN is NaN); q < 0 gives -Inf, q > 1 gives +Inf, a NaN q gives NaN.
    /// Sorts `values` in place.
    static func quantile(_ q: Double, _ values: inout ContiguousArray<Double>) -> Double {
        if values.isEmpty || q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        values.sort { a, b in
            if a.isNaN { return !b.isNaN }
            if b.isNaN { return false }
            return a < b
        }
        let n = Double(values.count)
        let rank = q * (n - 1)
        let lower = Swift.max(0, rank.rounded(.down))
        let upper = Swift.min(n - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return values[Int(lower)] * (1 - weight) + values[Int(upper)] * weight
    }
}
