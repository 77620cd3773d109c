import StrataChunks
import StrataModel

/// Decodes the samples of one stored series into a reused buffer.
struct SeriesDecoder {
    /// Decoded points of the current series, in time order.
    var points: [FPoint] = []

    /// Decodes `series` clipped to `[mint, maxt]`. Staleness markers are kept when
    /// `keepStale` (an instant selector needs them to end a series) and dropped otherwise.
    mutating func decode(_ series: QuerySeries, mint: Int64, maxt: Int64, keepStale: Bool) {
        points.removeAll(keepingCapacity: true)
        var it = ChunkSeriesIterator(chunks: series.chunks, minTime: mint, maxTime: maxt)
        while let s = it.next() {
            if !keepStale && StaleNaN.isStale(s.value) { continue }
            points.append(FPoint(t: s.timestamp, f: s.value))
        }
    }
}

extension Evaluator {
    /// Evaluates an instant vector selector: per step, the newest sample in
    /// `(ref - lookback, ref]` where `ref` is the step (or `@` time) minus the offset, unless it
    /// is a staleness marker.
    ///
    /// With `sampleTimestamps`, the point value is the chosen sample's own timestamp instead
    /// of its value (for `timestamp()`), and an `@` time is used as is, without the offset, as
    /// Prometheus does for that function.
    func evalVectorSelector(_ vs: VectorSelector, sampleTimestamps: Bool = false) async throws(QueryError) -> Matrix {
        let offset = milliseconds(vs.offset)
        let at = ctx.resolve(vs.at)
        let lookback = ctx.options.lookbackDelta
        let refStart: Int64, refEnd: Int64
        if let at {
            refStart = sampleTimestamps ? at : at - offset
            refEnd = refStart
        } else {
            refStart = start - offset
            refEnd = end - offset
        }
        let stored = try await ctx.select(vs.matchers, mint: refStart - lookback + 1, maxt: refEnd)
        return try sampleSeries(stored, offset: offset, at: at != nil ? refStart : nil, refStart: refStart, refEnd: refEnd,
                                sampleTimestamps: sampleTimestamps)
    }

    /// The instant-selector points of already selected series: per step, the newest sample in
    /// the lookback window ending at `pinned` (when set) or at the step minus `offset`.
    func sampleSeries(
        _ stored: [QuerySeries], offset: Int64, at pinned: Int64?, refStart: Int64, refEnd: Int64, sampleTimestamps: Bool
    ) throws(QueryError) -> Matrix {
        let lookback = ctx.options.lookbackDelta
        var decoder = SeriesDecoder()
        var out = Matrix()
        out.reserveCapacity(stored.count)
        let steps = numSteps
        for (n, series) in stored.enumerated() {
            if n & 255 == 0 { try ctx.checkInterrupted() }
            decoder.decode(series, mint: refStart - lookback + 1, maxt: refEnd, keepStale: true)
            let pts = decoder.points
            if pts.isEmpty { continue }
            var floats = [FPoint]()
            var j = 0
            var ts = start
            while ts <= end {
                let ref = pinned ?? (ts - offset)
                while j < pts.count && pts[j].t <= ref { j += 1 }
                if j > 0 {
                    let p = pts[j - 1]
                    if p.t > ref - lookback && !StaleNaN.isStale(p.f) {
                        if floats.isEmpty { floats.reserveCapacity(steps) }
                        floats.append(FPoint(t: ts, f: sampleTimestamps ? Double(p.t) : p.f))
                    }
                }
                ts += interval
            }
            if floats.isEmpty { continue }
            try ctx.checkSamples(floats.count)
            ctx.currentSamples += floats.count
            ctx.samplesLoaded += floats.count
            out.append(SeriesResult(metric: series.labels, floats: floats))
        }
        return out
    }

    /// Evaluates a range selector at the top of an instant query: each series' samples in
    /// `(ref - range, ref]`, with their own timestamps, staleness markers removed.
    func evalMatrixSelector(_ ms: MatrixSelector) async throws(QueryError) -> Matrix {
        guard start == end else { throw .execution("cannot do range evaluation of matrix selector") }
        let vs = ms.vectorSelector
        let ref = (ctx.resolve(vs.at) ?? start) - milliseconds(vs.offset)
        let mint = ref - milliseconds(ms.range) + 1
        let stored = try await ctx.select(vs.matchers, mint: mint, maxt: ref)
        var decoder = SeriesDecoder()
        var out = Matrix()
        for (n, series) in stored.enumerated() {
            if n & 255 == 0 { try ctx.checkInterrupted() }
            decoder.decode(series, mint: mint, maxt: ref, keepStale: false)
            if decoder.points.isEmpty { continue }
            try ctx.checkSamples(decoder.points.count)
            ctx.currentSamples += decoder.points.count
            ctx.samplesLoaded += decoder.points.count
            out.append(SeriesResult(metric: series.labels, floats: decoder.points))
        }
        return out
    }
}
