import StrataChunks
import StrataModel

/// Decodes the samples of one stored series into reused buffers.
struct SeriesDecoder {
    /// Decoded float points of the current series, in time order.
    var points: [FPoint] = []
    /// Decoded native-histogram points of the current series, in time order (empty for a
    /// series of XOR chunks only).
    var hpoints: [HPoint] = []

    /// Decodes `series` clipped to `[mint, maxt]`. Staleness markers are kept when
    /// `keepStale` (an instant selector needs them to end a series) and dropped otherwise.
    /// A series of XOR chunks only (the usual case) is read by the float-only iterator.
    mutating func decode(_ series: QuerySeries, mint: Int64, maxt: Int64, keepStale: Bool) {
        points.removeAll(keepingCapacity: true)
        if !hpoints.isEmpty { hpoints.removeAll(keepingCapacity: true) }
        guard MixedSeriesIterator.usesOnlyXOR(series.chunks) else {
            var it = MixedSeriesIterator(chunks: series.chunks, minTime: mint, maxTime: maxt)
            while let s = it.next() {
                if !keepStale && s.isStale { continue }
                if let h = s.h {
                    hpoints.append(HPoint(t: s.timestamp, h: h))
                } else {
                    points.append(FPoint(t: s.timestamp, f: s.f))
                }
            }
            return
        }
        var it = ChunkSeriesIterator(chunks: series.chunks, minTime: mint, maxTime: maxt)
        while let s = it.next() {
            if !keepStale && StaleNaN.isStale(s.value) { continue }
            points.append(FPoint(t: s.timestamp, f: s.value))
        }
    }

    /// True when the decoded series has no point of either kind.
    var isEmpty: Bool { points.isEmpty && hpoints.isEmpty }

    /// The number of decoded points of both kinds.
    var count: Int { points.count &+ hpoints.count }
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
            refStart = sampleTimestamps ? at : at &- offset
            refEnd = refStart
        } else {
            refStart = start &- offset
            refEnd = end &- offset
        }
        // From downsampled data a series has one point per window, so the lookback must reach
        // back one window (Thanos widens it the same way).
        let maxResolution = sampleTimestamps ? 0 : ctx.maxResolution(view: .average, step: interval, range: 0)
        let widest = max(lookback, maxResolution)
        let read = try await ctx.selectReading(vs.matchers, mint: refStart &- widest &+ 1, maxt: refEnd, view: .average,
                                               maxResolution: maxResolution)
        return try await sampleSeries(read.series, offset: offset, at: at != nil ? refStart : nil, refStart: refStart, refEnd: refEnd,
                                      sampleTimestamps: sampleTimestamps, lookback: read.downsampled ? widest : lookback)
    }

    /// The instant-selector points of already selected series: per step, the newest sample in
    /// the lookback window ending at `pinned` (when set) or at the step minus `offset`. Large
    /// selections are split into runs of series sampled by parallel tasks.
    func sampleSeries(
        _ stored: [QuerySeries], offset: Int64, at pinned: Int64?, refStart: Int64, refEnd: Int64, sampleTimestamps: Bool,
        lookback: Int64? = nil
    ) async throws(QueryError) -> Matrix {
        let lookback = lookback ?? ctx.options.lookbackDelta
        let job = SelectorSampling(
            start: start, end: end, interval: interval, steps: numSteps, offset: offset, pinned: pinned,
            lookback: lookback, mint: refStart &- lookback &+ 1, maxt: refEnd,
            sampleTimestamps: sampleTimestamps, maxSamples: ctx.options.maxSamples, held: ctx.currentSamples,
            deadline: ctx.deadline)
        let partCount = max(1, min(ctx.options.effectiveParallelism, stored.count / Self.fusedMinSeriesPerPart))
        var out = Matrix()
        if partCount == 1 {
            out = try job.sample(stored[...])
        } else {
            let partSize = (stored.count + partCount - 1) / partCount
            let results = await withTaskGroup(of: (Int, Result<Matrix, QueryError>).self) { group in
                var first = 0, i = 0
                while first < stored.count {
                    let slice = stored[first..<min(stored.count, first + partSize)]
                    let index = i
                    group.addTask {
                        do throws(QueryError) {
                            return (index, .success(try job.sample(slice)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                    first += partSize
                    i += 1
                }
                var done = [Result<Matrix, QueryError>?](repeating: nil, count: i)
                for await (index, r) in group { done[index] = r }
                return done
            }
            out.reserveCapacity(stored.count)
            for r in results {
                switch r {
                case .success(let m)?: out.append(contentsOf: m)
                case .failure(let e)?: throw e
                case nil: throw .execution("a parallel part of the evaluation did not finish")
                }
            }
        }
        let points = out.pointCount
        try ctx.checkSamples(points)
        ctx.currentSamples += points
        ctx.samplesLoaded += points
        return out
    }

    /// Evaluates a range selector at the top of an instant query: each series' samples in
    /// `(ref - range, ref]`, with their own timestamps, staleness markers removed.
    func evalMatrixSelector(_ ms: MatrixSelector) async throws(QueryError) -> Matrix {
        guard start == end else { throw .execution("cannot do range evaluation of matrix selector") }
        let vs = ms.vectorSelector
        let ref = (ctx.resolve(vs.at) ?? start) &- milliseconds(vs.offset)
        let mint = ref &- milliseconds(ms.range) &+ 1
        let stored = try await ctx.select(vs.matchers, mint: mint, maxt: ref)
        var decoder = SeriesDecoder()
        var out = Matrix()
        for series in stored {
            try ctx.tick()
            decoder.decode(series, mint: mint, maxt: ref, keepStale: false)
            try ctx.tick(decoder.count)
            if decoder.isEmpty { continue }
            let n = decoder.points.count &+ HistogramSampleCost.of(decoder.hpoints)
            try ctx.checkSamples(n)
            ctx.currentSamples += n
            ctx.samplesLoaded += n
            out.append(SeriesResult(metric: series.labels, floats: decoder.points, histograms: decoder.hpoints))
        }
        return out
    }
}

/// How an instant selector samples its series, shared by the tasks that sample parts of a
/// large selection.
struct SelectorSampling: Sendable {
    let start: Int64
    let end: Int64
    let interval: Int64
    let steps: Int
    let offset: Int64
    /// The `@` reference time (already offset), the same at every step.
    let pinned: Int64?
    let lookback: Int64
    let mint: Int64
    let maxt: Int64
    /// Record each chosen sample's own timestamp instead of its value (for `timestamp()`).
    let sampleTimestamps: Bool
    let maxSamples: Int
    /// Samples held before sampling started.
    let held: Int
    let deadline: ContinuousClock.Instant

    /// The points of `series`, in order, without the series that have none.
    func sample(_ series: ArraySlice<QuerySeries>) throws(QueryError) -> Matrix {
        var decoder = SeriesDecoder()
        var out = Matrix()
        out.reserveCapacity(series.count)
        var total = held
        var interrupts = InterruptCheck(deadline: deadline)
        for s in series {
            try interrupts.tick()
            decoder.decode(s, mint: mint, maxt: maxt, keepStale: true)
            try interrupts.tick(decoder.count)
            if !decoder.hpoints.isEmpty {
                let series = try sampleMixed(decoder.points, decoder.hpoints, held: total, &interrupts)
                if series.isEmpty { continue }
                let n = series.floats.count &+ HistogramSampleCost.of(series.histograms)
                if n > maxSamples &- total { throw .tooManySamples(limit: maxSamples) }
                total += n
                out.append(SeriesResult(metric: s.labels, floats: series.floats, histograms: series.histograms))
                continue
            }
            let pts = decoder.points
            if pts.isEmpty { continue }
            var floats = [FPoint]()
            var j = 0
            var ts = start
            while ts <= end {
                // Steps without a sample cost time too: every step counts.
                try interrupts.tick()
                let ref = pinned ?? (ts &- offset)
                while j < pts.count && pts[j].t <= ref { j += 1 }
                if j > 0 {
                    let p = pts[j - 1]
                    if p.t > ref &- lookback && !StaleNaN.isStale(p.f) {
                        if floats.isEmpty { floats.reserveCapacity(min(steps, 4096)) }
                        floats.append(FPoint(t: ts, f: sampleTimestamps ? Double(p.t) : p.f))
                        // A long evaluation of one series must still see the limits.
                        if floats.count & 0xFFFF == 0, floats.count > maxSamples &- total {
                            throw .tooManySamples(limit: maxSamples)
                        }
                    }
                }
                ts &+= interval
            }
            if floats.isEmpty { continue }
            if floats.count > maxSamples &- total { throw .tooManySamples(limit: maxSamples) }
            total += floats.count
            out.append(SeriesResult(metric: s.labels, floats: floats))
        }
        return out
    }

    /// The step points of a series holding histograms: per step, the newest sample of either
    /// kind in the lookback window, unless it is a staleness marker. With `sampleTimestamps`
    /// every chosen sample gives its timestamp as a float.
    func sampleMixed(_ fpts: [FPoint], _ hpts: [HPoint], held: Int, _ interrupts: inout InterruptCheck) throws(QueryError) -> SeriesResult {
        var out = SeriesResult(metric: .empty, floats: [])
        var j = 0, k = 0
        var ts = start
        while ts <= end {
            try interrupts.tick()
            let ref = pinned ?? (ts &- offset)
            while j < fpts.count && fpts[j].t <= ref { j += 1 }
            while k < hpts.count && hpts[k].t <= ref { k += 1 }
            let ft = j > 0 ? fpts[j - 1].t : Int64.min
            let ht = k > 0 ? hpts[k - 1].t : Int64.min
            if k > 0 && ht > ft {
                let p = hpts[k - 1]
                if p.t > ref &- lookback && !p.h.isStale {
                    if sampleTimestamps {
                        out.floats.append(FPoint(t: ts, f: Double(p.t)))
                    } else {
                        out.histograms.append(HPoint(t: ts, h: p.h))
                    }
                }
            } else if j > 0 {
                let p = fpts[j - 1]
                if p.t > ref &- lookback && !StaleNaN.isStale(p.f) {
                    out.floats.append(FPoint(t: ts, f: sampleTimestamps ? Double(p.t) : p.f))
                }
            }
            let n = out.floats.count &+ out.histograms.count
            if n & 0xFFF == 0xFFF, n > maxSamples &- held { throw .tooManySamples(limit: maxSamples) }
            ts &+= interval
        }
        return out
    }
}
