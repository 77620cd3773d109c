import StrataModel

/// The `*_over_time` functions: one value from all samples of a series' window.
enum OverTime {
    /// A reduction of a non-empty window to one value, and whether its result keeps the
    /// input's name (otherwise the name is dropped, as for every value-changing function).
    ///
    /// Kept as a plain function of the window's points so that the engine can call it on a
    /// window in place (`WindowKernel`) as well as through `implementation`.
    struct Reduction: Sendable {
        let keepName: Bool
        let f: @Sendable (UnsafeBufferPointer<FPoint>) -> Double

        init(keepName: Bool = false, _ f: @escaping @Sendable (UnsafeBufferPointer<FPoint>) -> Double) {
            self.keepName = keepName
            self.f = f
        }

        /// The reduction as a range-vector function implementation.
        var implementation: FunctionImplementation {
            let keepName = keepName, f = f
            return { args, enh, _ throws(QueryError) in
                guard let series = args.window.first, !series.floats.isEmpty else {
                    enh.out.removeAll(keepingCapacity: true)
                    return enh.out
                }
                return FunctionSupport.rangeResult(series, series.floats.withUnsafeBufferPointer(f), &enh, keepName: keepName)
            }
        }
    }

    /// Wraps a reduction of a non-empty window.
    static func reduce(keepName: Bool = false, _ f: @escaping @Sendable (UnsafeBufferPointer<FPoint>) -> Double) -> Reduction {
        Reduction(keepName: keepName, f)
    }

    /// `avg_over_time`: a compensated sum divided by the count, switching to an incremental
    /// mean if the sum overflows, exactly as upstream so results agree bit for bit.
    static let avg = reduce { points in
        var sum = points[0].f, count = 1.0
        var mean = 0.0, c = 0.0
        var incremental = false
        for i in 1..<points.count {
            let f = points[i].f
            count = Double(i + 1)
            if !incremental {
                let (newSum, newC) = FunctionMath.kahanSumInc(f, sum, c)
                if !newSum.isInfinite {
                    sum = newSum
                    c = newC
                    continue
                }
                incremental = true
                mean = sum / (count - 1)
                c /= (count - 1)
            }
            let q = (count - 1) / count
            (mean, c) = FunctionMath.kahanSumInc(f / count, q * mean, q * c)
        }
        if incremental { return mean + c }
        return sum / count + c / count
    }

    /// `sum_over_time`: compensated sum.
    static let sum = reduce { points in
        var sum = 0.0, c = 0.0
        for p in points { (sum, c) = FunctionMath.kahanSumInc(p.f, sum, c) }
        return sum.isInfinite ? sum : sum + c
    }

    /// `count_over_time`
    static let count = reduce { points in Double(points.count) }

    /// `present_over_time`
    static let present = reduce { _ in 1 }

    /// `last_over_time` (keeps the metric name).
    static let last = reduce(keepName: true) { points in points[points.count - 1].f }

    /// `first_over_time` (keeps the metric name).
    static let first = reduce(keepName: true) { points in points[0].f }

    /// `max_over_time`: NaN only when every sample is NaN.
    static let max = reduce { points in
        var m = points[0].f
        for p in points where p.f > m || m.isNaN { m = p.f }
        return m
    }

    /// `min_over_time`: NaN only when every sample is NaN.
    static let min = reduce { points in
        var m = points[0].f
        for p in points where p.f < m || m.isNaN { m = p.f }
        return m
    }

    /// `stdvar_over_time`: population variance by Welford's method with compensated sums.
    static let stdvar = reduce { points in variance(points) }

    /// `stddev_over_time`
    static let stddev = reduce { points in variance(points).squareRoot() }

    /// Population variance as upstream computes it.
    static func variance(_ points: UnsafeBufferPointer<FPoint>) -> Double {
        var count = 0.0
        var mean = 0.0, cMean = 0.0
        var aux = 0.0, cAux = 0.0
        for p in points {
            count += 1
            let delta = p.f - (mean + cMean)
            (mean, cMean) = FunctionMath.kahanSumInc(delta / count, mean, cMean)
            (aux, cAux) = FunctionMath.kahanSumInc(delta * (p.f - (mean + cMean)), aux, cAux)
        }
        return (aux + cAux) / count
    }

    /// `ts_of_last_over_time`: the time of the last sample, in seconds.
    static let tsOfLast = reduce { points in Double(points[points.count - 1].t) / 1000 }

    /// `ts_of_first_over_time`: the time of the first sample, in seconds.
    static let tsOfFirst = reduce { points in Double(points[0].t) / 1000 }

    /// `ts_of_max_over_time`: the time of the latest sample holding the maximum.
    static let tsOfMax = reduce { points in
        var m = points[0].f, t = points[0].t
        for p in points where p.f >= m || m.isNaN {
            m = p.f
            t = p.t
        }
        return Double(t) / 1000
    }

    /// `ts_of_min_over_time`: the time of the latest sample holding the minimum.
    static let tsOfMin = reduce { points in
        var m = points[0].f, t = points[0].t
        for p in points where p.f <= m || m.isNaN {
            m = p.f
            t = p.t
        }
        return Double(t) / 1000
    }

    /// `quantile_over_time(q scalar, v range-vector)`
    static let quantile: FunctionImplementation = { args, enh, annotations throws(QueryError) in
        enh.out.removeAll(keepingCapacity: true)
        guard let series = args.window.first, !series.floats.isEmpty else { return enh.out }
        let q = FunctionSupport.scalar(args, 0)
        if q.isNaN || q < 0 || q > 1 {
            annotations.warn(FunctionSupport.invalidQuantileMessage(q), at: FunctionSupport.position(args, 0))
        }
        var values = series.floats.map(\.f)
        return FunctionSupport.rangeResult(series, Quantile.of(q, &values), &enh)
    }

    /// `mad_over_time`: median absolute deviation from the median; NaN as soon as one sample
    /// is NaN (upstream does not let the sort order of NaN decide the result).
    static let mad = reduce { points in
        if points.contains(where: { $0.f.isNaN }) { return .nan }
        var values = points.map(\.f)
        let median = Quantile.of(0.5, &values)
        var deviations = points.map { ($0.f - median).magnitude }
        return Quantile.of(0.5, &deviations)
    }
}

/// The φ-quantile of plain values as Prometheus computes it for `quantile` and
/// `quantile_over_time`: linear interpolation between the closest ranks.
enum Quantile {
    /// The `q`-quantile of `values` (sorted in place, NaN first as upstream orders them).
    static func of(_ q: Double, _ values: inout [Double]) -> Double {
        if values.isEmpty || q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        values.sort { a, b in a.isNaN ? !b.isNaN : a < b }
        let n = Double(values.count)
        let rank = q * (n - 1)
        let lower = Swift.max(0, rank.rounded(.down))
        let upper = Swift.min(n - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return values[Int(lower)] * (1 - weight) + values[Int(upper)] * weight
    }
}
