import StrataModel

/// `rate`, `increase` and `delta`: the change over a window, extrapolated towards the window's
/// edges as Prometheus does, and `irate`/`idelta` from the last two samples.
enum Extrapolation {
    /// `rate(v range-vector)`
    ///
    /// The "might not be a counter" info is raised by the engine, once per series rather
    /// than once per step.
    static let rate: FunctionImplementation = { args, enh, _ throws(QueryError) in
        extrapolated(args, &enh, isCounter: true, isRate: true)
    }

    /// `increase(v range-vector)`
    static let increase: FunctionImplementation = { args, enh, _ throws(QueryError) in
        extrapolated(args, &enh, isCounter: true, isRate: false)
    }

    /// `delta(v range-vector)`
    static let delta: FunctionImplementation = { args, enh, _ throws(QueryError) in
        extrapolated(args, &enh, isCounter: false, isRate: false)
    }

    /// `irate(v range-vector)`
    static let irate: FunctionImplementation = { args, enh, _ throws(QueryError) in
        instant(args, &enh, isRate: true)
    }

    /// `idelta(v range-vector)`
    static let idelta: FunctionImplementation = { args, enh, _ throws(QueryError) in
        instant(args, &enh, isRate: false)
    }

    /// The extrapolated change of one series' window. A sample is extrapolated to a window edge
    /// only when the gap to it is at most 1.1× the average sample interval (otherwise by half an
    /// interval, on the guess that the series starts or ends there); a counter is never
    /// extrapolated below zero.
    static func extrapolated(
        _ args: FunctionArgs, _ enh: inout EvalNodeHelper, isCounter: Bool, isRate: Bool
    ) -> Vector {
        enh.out.removeAll(keepingCapacity: true)
        guard let series = args.window.first else { return enh.out }
        let points = series.floats
        guard points.count > 1, let first = points.first, let last = points.last else { return enh.out }

        var result = last.f - first.f
        if isCounter {
            var prev = first.f
            for i in 1..<points.count {
                let cur = points[i].f
                if cur < prev { result += prev }
                prev = cur
            }
        }

        let rangeSeconds = Double(args.rangeEnd - args.rangeStart) / 1000
        var durationToStart = Double(first.t - args.rangeStart) / 1000
        var durationToEnd = Double(args.rangeEnd - last.t) / 1000
        let sampledInterval = Double(last.t - first.t) / 1000
        let averageInterval = sampledInterval / Double(points.count - 1)
        let threshold = averageInterval * 1.1

        if durationToStart >= threshold { durationToStart = averageInterval / 2 }
        if isCounter && result > 0 && first.f >= 0 {
            // Where the counter would have been zero, if that is nearer than the window start.
            let durationToZero = sampledInterval * (first.f / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        if durationToEnd >= threshold { durationToEnd = averageInterval / 2 }

        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval
        if isRate { factor /= rangeSeconds }
        result *= factor

        enh.out.append(VectorSample(metric: series.metric, t: enh.ts, f: result, dropName: true))
        return enh.out
    }

    /// `irate`/`idelta`: from the last two samples of the window; a drop counts as a counter
    /// reset for `irate`.
    static func instant(_ args: FunctionArgs, _ enh: inout EvalNodeHelper, isRate: Bool) -> Vector {
        enh.out.removeAll(keepingCapacity: true)
        guard let series = args.window.first, series.floats.count > 1 else { return enh.out }
        let last = series.floats[series.floats.count - 1]
        let previous = series.floats[series.floats.count - 2]
        var value = isRate && last.f < previous.f ? last.f : last.f - previous.f
        let interval = last.t - previous.t
        guard interval != 0 else { return enh.out }
        if isRate { value /= Double(interval) / 1000 }
        enh.out.append(VectorSample(metric: series.metric, t: enh.ts, f: value, dropName: true))
        return enh.out
    }
}
