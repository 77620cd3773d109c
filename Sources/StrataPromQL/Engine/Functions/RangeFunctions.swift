import StrataModel

/// Range-vector functions that look at the shape of a window: `resets`, `changes`, `deriv`,
/// `predict_linear` and `double_exponential_smoothing`.
enum RangeFunctions {
    /// `resets(v range-vector)`: how often the value dropped.
    static let resets: FunctionImplementation = { args, enh, _ throws(QueryError) in
        guard let series = args.window.first, let first = series.floats.first else { return [] }
        var count = 0
        var prev = first.f
        for p in series.floats.dropFirst() {
            if p.f < prev { count += 1 }
            prev = p.f
        }
        return FunctionSupport.rangeResult(series, Double(count), &enh)
    }

    /// `changes(v range-vector)`: how often the value changed (NaN to NaN is no change).
    static let changes: FunctionImplementation = { args, enh, _ throws(QueryError) in
        guard let series = args.window.first, let first = series.floats.first else { return [] }
        var count = 0
        var prev = first.f
        for p in series.floats.dropFirst() {
            let cur = p.f
            if cur != prev && !(cur.isNaN && prev.isNaN) { count += 1 }
            prev = cur
        }
        return FunctionSupport.rangeResult(series, Double(count), &enh)
    }

    /// `deriv(v range-vector)`: per-second slope of the least-squares line.
    static let deriv: FunctionImplementation = { args, enh, _ throws(QueryError) in
        guard let series = args.window.first, series.floats.count > 1 else { return [] }
        // x is measured from the first sample so the sums stay small and exact.
        let (slope, _) = linearRegression(series.floats, interceptTime: series.floats[0].t)
        return FunctionSupport.rangeResult(series, slope, &enh)
    }

    /// `predict_linear(v range-vector, t scalar)`: the least-squares line's value `t` seconds
    /// after the step time.
    static let predictLinear: FunctionImplementation = { args, enh, _ throws(QueryError) in
        guard let series = args.window.first, series.floats.count > 1 else { return [] }
        let duration = FunctionSupport.scalar(args, 1)
        let (slope, intercept) = linearRegression(series.floats, interceptTime: enh.ts)
        return FunctionSupport.rangeResult(series, slope * duration + intercept, &enh)
    }

    /// Least-squares slope (per second) and intercept at `interceptTime`, with compensated sums.
    /// A constant series has slope 0 (NaN when the constant is infinite), as upstream.
    static func linearRegression(_ points: [FPoint], interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0
        var sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = points[0].f
        var constY = true
        for i in 0..<points.count {
            let p = points[i]
            if constY && i > 0 && p.f != initY { constY = false }
            n += 1
            let x = Double(p.t - interceptTime) / 1e3
            (sumX, cX) = FunctionMath.kahanSumInc(x, sumX, cX)
            (sumY, cY) = FunctionMath.kahanSumInc(p.f, sumY, cY)
            (sumXY, cXY) = FunctionMath.kahanSumInc(x * p.f, sumXY, cXY)
            (sumX2, cX2) = FunctionMath.kahanSumInc(x * x, sumX2, cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX
        sumY += cY
        sumXY += cXY
        sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        let intercept = sumY / n - slope * sumX / n
        return (slope, intercept)
    }

    /// `double_exponential_smoothing(v range-vector, sf scalar, tf scalar)` (Holt's linear
    /// method); both factors must lie strictly between 0 and 1.
    static let doubleExponentialSmoothing: FunctionImplementation = { args, enh, _ throws(QueryError) in
        let sf = FunctionSupport.scalar(args, 1)
        let tf = FunctionSupport.scalar(args, 2)
        // Written as upstream's checks, which let NaN factors through (the result is then NaN).
        if sf <= 0 || sf >= 1 {
            throw .execution("invalid smoothing factor. Expected: 0 < sf < 1, got: \(FunctionMath.goFixed6(sf))")
        }
        if tf <= 0 || tf >= 1 {
            throw .execution("invalid trend factor. Expected: 0 < tf < 1, got: \(FunctionMath.goFixed6(tf))")
        }
        guard let series = args.window.first, series.floats.count > 1 else { return [] }
        let points = series.floats
        var s0 = 0.0
        var s1 = points[0].f
        var b = points[1].f - points[0].f
        for i in 1..<points.count {
            let x = sf * points[i].f
            if i > 1 {
                b = tf * (s1 - s0) + (1 - tf) * b
            }
            let y = (1 - sf) * (s1 + b)
            s0 = s1
            s1 = x + y
        }
        return FunctionSupport.rangeResult(series, s1, &enh)
    }
}
