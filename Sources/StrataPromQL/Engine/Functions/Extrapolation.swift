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
        let value = series.floats.withUnsafeBufferPointer {
            extrapolatedValue($0, rangeStart: args.rangeStart, rangeEnd: args.rangeEnd, isCounter: isCounter, isRate: isRate)
        }
        guard let value else { return enh.out }
        enh.out.append(VectorSample(metric: series.metric, t: enh.ts, f: value, dropName: true))
        return enh.out
    }

    /// The value `extrapolated` computes for the window `points` of `(rangeStart, rangeEnd]`;
    /// nil with fewer than two points. Shared with the engine's direct window path
    /// (`WindowKernel`), so both give the same bits.
    @inline(__always)
    static func extrapolatedValue(
        _ points: UnsafeBufferPointer<FPoint>, rangeStart: Int64, rangeEnd: Int64, isCounter: Bool, isRate: Bool
    ) -> Double? {
        guard points.count > 1 else { return nil }
        let first = points[0], last = points[points.count - 1]

        var result = last.f - first.f
        if isCounter {
            var prev = first.f
            for i in 1..<points.count {
                let cur = points[i].f
                if cur < prev { result += prev }
                prev = cur
            }
        }

        let rangeSeconds = Double(rangeEnd - rangeStart) / 1000
        var durationToStart = Double(first.t - rangeStart) / 1000
        var durationToEnd = Double(rangeEnd - last.t) / 1000
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
        return result
    }

    /// `irate`/`idelta`: from the last two samples of the window; a drop counts as a counter
    /// reset for `irate`.
    static func instant(_ args: FunctionArgs, _ enh: inout EvalNodeHelper, isRate: Bool) -> Vector {
        enh.out.removeAll(keepingCapacity: true)
        guard let series = args.window.first else { return enh.out }
        guard let value = series.floats.withUnsafeBufferPointer({ instantValue($0, isRate: isRate) }) else { return enh.out }
        enh.out.append(VectorSample(metric: series.metric, t: enh.ts, f: value, dropName: true))
        return enh.out
    }

    /// The value `instant` computes for the window `points`; nil with fewer than two points or
    /// when the last two share a timestamp.
    @inline(__always)
    static func instantValue(_ points: UnsafeBufferPointer<FPoint>, isRate: Bool) -> Double? {
        guard points.count > 1 else { return nil }
        let last = points[points.count - 1]
        let previous = points[points.count - 2]
        var value = isRate && last.f < previous.f ? last.f : last.f - previous.f
        let interval = last.t - previous.t
        guard interval != 0 else { return nil }
        if isRate { value /= Double(interval) / 1000 }
        return value
    }
}
