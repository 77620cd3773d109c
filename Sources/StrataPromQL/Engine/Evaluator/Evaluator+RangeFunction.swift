import StrataChunks
import StrataModel

extension Evaluator {
    /// Evaluates a function whose argument `matrixArg` is a range selector or a subquery.
    ///
    /// Series are processed one at a time: the series' samples are decoded once, and for each
    /// step the window `(ref - range, ref]` is found by moving its two ends forward, copied into
    /// a reused one-series matrix, and handed to the implementation. Memory is bounded by one
    /// series' samples rather than by the whole selection. Large selections are split into
    /// runs of series evaluated by parallel tasks; results keep the selection's order.
    func evalRangeFunction(_ call: Call, args: [Expr], matrixArg m: Int) async throws(QueryError) -> Matrix {
        var name = call.function.name
        let isAbsent = name == "absent_over_time"
        let base = ctx.currentSamples

        // Scalar arguments, one value per step.
        var scalars = [[Double]?](repeating: nil, count: args.count)
        for i in args.indices where i != m && args[i].type != .string {
            scalars[i] = scalarValues(try await eval(args[i]))
        }

        let range: Int64, offset: Int64, at: Int64?
        var subqueryResult: Matrix? = nil
        var stored: [QuerySeries] = []
        var mint: Int64 = 0, maxt: Int64 = 0
        switch args[m] {
        case .matrixSelector(let ms):
            range = milliseconds(ms.range)
            offset = milliseconds(ms.vectorSelector.offset)
            at = ctx.resolve(ms.vectorSelector.at)
            maxt = (at ?? end) &- offset
            mint = (at ?? start) &- offset &- range &+ 1
            let view = AggregateView.forRangeFunction(name)
            let read = try await ctx.selectReading(ms.vectorSelector.matchers, mint: mint, maxt: maxt, view: view,
                                                   maxResolution: ctx.maxResolution(view: view, step: interval, range: range))
            stored = read.series
            // Windows carry their sample counts: counting samples of the count view is summing it.
            if read.downsampled && name == "count_over_time" { name = "sum_over_time" }
        case .subquery(let sq):
            range = milliseconds(sq.range)
            offset = milliseconds(sq.offset)
            at = ctx.resolve(sq.at)
            var sub = try await evalSubquery(sq)
            // The points of a subquery are not consecutive samples of a chunk: a counter
            // reset between them must be detected from the buckets, not trusted to a hint.
            for i in sub.indices {
                for j in sub[i].histograms.indices where sub[i].histograms[j].h.counterResetHint != .gauge {
                    sub[i].histograms[j].h.counterResetHint = .unknown
                }
            }
            subqueryResult = sub
        default:
            throw .execution("unexpected range argument of \(name)")
        }

        let impl: FunctionImplementation? = isAbsent ? nil : try implementation(of: name)
        let steps = numSteps
        if isAbsent { try ctx.checkSamples(steps) }
        let job = RangeFunctionJob(
            name: name, position: args[m].position,
            impl: impl, kernel: isAbsent || args.count != 1 ? nil : WindowKernel.forFunction(name), isAbsent: isAbsent,
            args: args, scalars: scalars, start: start, end: end, interval: interval,
            steps: steps, at: at, offset: offset, range: range, checkCounter: name == "rate" || name == "increase",
            maxSamples: ctx.options.maxSamples, held: ctx.currentSamples, deadline: ctx.deadline)

        // Large selections are split into parts evaluated by parallel tasks.
        var parts: [RangeFunctionPart] = []
        if let sub = subqueryResult {
            parts = [RangeFunctionPart(source: .evaluated(sub), steps: isAbsent ? steps : 0)]
        } else {
            let partCount = isAbsent ? 1 : max(1, min(ctx.options.effectiveParallelism, stored.count / Self.fusedMinSeriesPerPart))
            let partSize = (stored.count + partCount - 1) / partCount
            var first = 0
            repeat {
                let last = min(stored.count, first + partSize)
                parts.append(RangeFunctionPart(source: .stored(Array(stored[first..<last]), mint: mint, maxt: maxt),
                                               steps: isAbsent ? steps : 0))
                first = last
            } while first < stored.count
        }
        if parts.count == 1 {
            try parts[0].run(job)
        } else {
            parts = try await Self.runInParallel(parts, job)
        }

        var out = Matrix()
        var presentSteps = [Bool](repeating: false, count: isAbsent ? steps : 0)
        var completeSeries = false
        var reported = Set<String>()
        for part in parts {
            out.append(contentsOf: part.out)
            ctx.annotations.merge(part.annotations)
            ctx.samplesLoaded += part.loaded
            completeSeries = completeSeries || part.completeSeries
            for k in presentSteps.indices where part.presentSteps[k] { presentSteps[k] = true }
            for name in part.nonCounters where reported.insert(name).inserted {
                ctx.annotations.info(
                    "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(quoteLabelValue(name))",
                    at: counterInfoPosition(args[m]))
            }
        }
        if isAbsent {
            ctx.currentSamples = base
            if completeSeries { return [] }
            var floats = [FPoint]()
            var ts = start
            var k = 0
            while ts <= end {
                if !presentSteps[k] { floats.append(FPoint(t: ts, f: 1)) }
                ts &+= interval
                k += 1
            }
            if floats.isEmpty { return [] }
            ctx.currentSamples += floats.count
            return [SeriesResult(metric: Absent.labelsForAbsent(args[m]), floats: floats, dropName: true)]
        }
        try ctx.checkSamples(out.pointCount)
        ctx.currentSamples = base + out.pointCount
        return out
    }

    /// Runs every part in its own task, keeping their order.
    static func runInParallel(_ parts: [RangeFunctionPart], _ job: RangeFunctionJob) async throws(QueryError) -> [RangeFunctionPart] {
        let results = await withTaskGroup(of: (Int, Result<RangeFunctionPart, QueryError>).self) { group in
            for (i, part) in parts.enumerated() {
                group.addTask {
                    var part = part
                    do throws(QueryError) {
                        try part.run(job)
                        return (i, .success(part))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var done = [Result<RangeFunctionPart, QueryError>?](repeating: nil, count: parts.count)
            for await (i, r) in group { done[i] = r }
            return done
        }
        var out: [RangeFunctionPart] = []
        out.reserveCapacity(parts.count)
        for r in results {
            switch r {
            case .success(let p)?: out.append(p)
            case .failure(let e)?: throw e
            case nil: throw .execution("a parallel part of the evaluation did not finish")
            }
        }
        return out
    }

    /// Where the "might not be a counter" info points. Prometheus replaces a subquery argument
    /// by an evaluated range selector without a position before raising it, so for a subquery
    /// the info points at the start of the query.
    func counterInfoPosition(_ arg: Expr) -> PositionRange {
        if case .subquery = arg { return PositionRange(start: 0, end: 0) }
        return arg.position
    }
}

/// What every part of a range-function evaluation shares.
struct RangeFunctionJob: Sendable {
    /// The function's name (series holding histograms take `HistogramRangeFunctions`).
    let name: String
    /// Where the range argument is in the query, for annotations.
    let position: PositionRange
    /// Nil for `absent_over_time`, which only records where windows are non-empty.
    let impl: FunctionImplementation?
    /// The function computed on windows in place, when it has such a form (then `impl` is
    /// not called).
    let kernel: WindowKernel?
    let isAbsent: Bool
    let args: [Expr]
    /// Scalar arguments by argument index, one value per step.
    let scalars: [[Double]?]
    let start: Int64
    let end: Int64
    let interval: Int64
    let steps: Int
    let at: Int64?
    let offset: Int64
    let range: Int64
    /// Whether to report series whose name does not look like a counter (`rate`, `increase`).
    let checkCounter: Bool
    let maxSamples: Int
    /// Samples held before the evaluation started.
    let held: Int
    let deadline: ContinuousClock.Instant
}

/// A run of series a range function is evaluated over, series by series, and what came out.
struct RangeFunctionPart: Sendable {
    /// Where the series come from: storage (decoded here) or an evaluated subquery.
    enum Source: Sendable {
        case stored([QuerySeries], mint: Int64, maxt: Int64)
        case evaluated(Matrix)
    }

    let source: Source
    /// One series per input series with at least one result.
    var out: Matrix = []
    var annotations = Annotations()
    var loaded = 0
    /// Names of series whose name does not look like a counter, in series order.
    var nonCounters: [String] = []
    /// For `absent_over_time`: the steps at which some series has a sample in its window.
    var presentSteps: [Bool]
    /// For `absent_over_time`: whether one series has samples at every step.
    var completeSeries = false

    init(source: Source, steps: Int) {
        self.source = source
        presentSteps = [Bool](repeating: false, count: steps)
    }

    /// Evaluates the function over every series of the part.
    mutating func run(_ job: RangeFunctionJob) throws(QueryError) {
        var fargs = FunctionArgs(vectors: [Vector](repeating: [], count: job.args.count),
                                 window: [SeriesResult(metric: .empty, floats: [])], exprs: job.args)
        for i in job.args.indices where job.scalars[i] != nil {
            fargs.vectors[i] = [VectorSample(metric: .empty, t: job.start, f: 0)]
        }
        var enh = EvalNodeHelper(ts: job.start)
        var held = job.held
        var interrupts = InterruptCheck(deadline: job.deadline)
        switch source {
        case .evaluated(let mat):
            for s in mat {
                try interrupts.tick()
                if !s.histograms.isEmpty {
                    try processMixed(job, s.metric, s.dropName, s.floats, s.histograms, &fargs, &enh, &held, &interrupts)
                    continue
                }
                try process(job, s.metric, s.dropName, s.floats, &fargs, &enh, &held, &interrupts)
            }
        case .stored(let series, let mint, let maxt):
            var decoder = SeriesDecoder()
            for s in series {
                try interrupts.tick()
                decoder.decode(s, mint: mint, maxt: maxt, keepStale: false)
                try interrupts.tick(decoder.points.count)
                if !decoder.hpoints.isEmpty {
                    try processMixed(job, s.labels, false, decoder.points, decoder.hpoints, &fargs, &enh, &held, &interrupts)
                    continue
                }
                if decoder.points.isEmpty { continue }
                try process(job, s.labels, false, decoder.points, &fargs, &enh, &held, &interrupts)
            }
        }
    }

    /// Runs the function over every step for one series' points.
    mutating func process(
        _ job: RangeFunctionJob, _ labels: Labels, _ dropName: Bool, _ pts: [FPoint],
        _ fargs: inout FunctionArgs, _ enh: inout EvalNodeHelper, _ held: inout Int,
        _ interrupts: inout InterruptCheck
    ) throws(QueryError) {
        fargs.window[0].metric = labels
        fargs.window[0].dropName = dropName
        var floats = [FPoint]()
        var outDropName = dropName
        var lo = 0, hi = 0
        var ts = job.start
        var k = 0
        var present = 0
        // Read once: taking them out of `job` at every step retained and released them.
        let impl = job.impl, kernel = job.kernel
        while ts <= job.end {
            let ref = (job.at ?? ts) &- job.offset
            let lower = ref &- job.range
            while hi < pts.count && pts[hi].t <= ref { hi += 1 }
            while lo < hi && pts[lo].t <= lower { lo += 1 }
            // Every step counts, empty or not, and a window costs its samples.
            try interrupts.tick(1 &+ (hi &- lo))
            if lo < hi {
                if job.isAbsent {
                    presentSteps[k] = true
                    present += 1
                } else if let kernel {
                    let n = hi - lo
                    if n &+ floats.count > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
                    loaded += n
                    let value = pts.withUnsafeBufferPointer { kernel.compute(UnsafeBufferPointer(rebasing: $0[lo..<hi]), lower, ref) }
                    if let value {
                        if floats.isEmpty {
                            floats.reserveCapacity(min(job.steps - k, 4096))
                            outDropName = kernel.keepName ? dropName : true
                        }
                        floats.append(FPoint(t: ts, f: value))
                    }
                } else if let impl {
                    let n = hi - lo
                    if n &+ floats.count > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
                    loaded += n
                    fargs.window[0].floats.removeAll(keepingCapacity: true)
                    fargs.window[0].floats.append(contentsOf: pts[lo..<hi])
                    fargs.rangeStart = lower
                    fargs.rangeEnd = ref
                    for i in job.args.indices {
                        if let s = job.scalars[i] {
                            fargs.vectors[i][0].t = ts
                            fargs.vectors[i][0].f = s[k]
                        }
                    }
                    enh.ts = ts
                    enh.out.removeAll(keepingCapacity: true)
                    let result = try impl(fargs, &enh, &annotations)
                    if let first = result.first {
                        if floats.isEmpty {
                            floats.reserveCapacity(min(job.steps - k, 4096))
                            outDropName = first.dropName
                        }
                        floats.append(FPoint(t: ts, f: first.f))
                    }
                }
            }
            ts &+= job.interval
            k += 1
        }
        if present == job.steps { completeSeries = true }
        if floats.isEmpty { return }
        if floats.count > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
        held += floats.count
        out.append(SeriesResult(metric: labels, floats: floats, dropName: outDropName))
        if job.checkCounter, let name = labels.metricName, !name.isEmpty, !name.hasSuffix("_total"),
           !name.hasSuffix("_sum"), !name.hasSuffix("_count"), !name.hasSuffix("_bucket") {
            nonCounters.append(name)
        }
    }
}

extension RangeFunctionPart {
    /// `process` for a series holding native histograms: per step, the window's floats and
    /// histograms go to `HistogramRangeFunctions`; functions that do not read histograms see
    /// the window's floats only.
    mutating func processMixed(
        _ job: RangeFunctionJob, _ labels: Labels, _ dropName: Bool, _ pts: [FPoint], _ hpts: [HPoint],
        _ fargs: inout FunctionArgs, _ enh: inout EvalNodeHelper, _ held: inout Int,
        _ interrupts: inout InterruptCheck
    ) throws(QueryError) {
        fargs.window[0].metric = labels
        fargs.window[0].dropName = dropName
        var out = SeriesResult(metric: labels, floats: [], dropName: dropName)
        var outDropName: Bool? = nil
        let keepsName = job.name == "last_over_time" || job.name == "first_over_time"
        let histogramAware = HistogramRangeFunctions.names.contains(job.name)
        let metricName = labels.metricName ?? ""
        var lo = 0, hi = 0, hlo = 0, hhi = 0
        var ts = job.start
        var k = 0
        var present = 0
        while ts <= job.end {
            let ref = (job.at ?? ts) &- job.offset
            let lower = ref &- job.range
            while hi < pts.count && pts[hi].t <= ref { hi += 1 }
            while lo < hi && pts[lo].t <= lower { lo += 1 }
            while hhi < hpts.count && hpts[hhi].t <= ref { hhi += 1 }
            while hlo < hhi && hpts[hlo].t <= lower { hlo += 1 }
            let n = (hi &- lo) &+ (hhi &- hlo)
            try interrupts.tick(1 &+ n)
            defer {
                ts &+= job.interval
                k += 1
            }
            if n == 0 { continue }
            if job.isAbsent {
                presentSteps[k] = true
                present += 1
                continue
            }
            if n &+ out.floats.count &+ out.histograms.count > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
            loaded += (hi &- lo) &+ HistogramSampleCost.of(hpts[hlo..<hhi])
            var outcome = HistogramRangeFunctions.Outcome.floatsOnly
            if histogramAware {
                let window = HistogramRangeFunctions.Window(
                    floats: pts[lo..<hi], histograms: hpts[hlo..<hhi], rangeStart: lower, rangeEnd: ref, range: job.range,
                    metricName: metricName, position: job.position)
                outcome = HistogramRangeFunctions.evaluate(job.name, window, &annotations)
            }
            switch outcome {
            case .none:
                continue
            case .float(let f):
                out.floats.append(FPoint(t: ts, f: f))
                if outDropName == nil { outDropName = keepsName ? dropName : true }
            case .histogram(let h):
                out.histograms.append(HPoint(t: ts, h: h))
                if outDropName == nil { outDropName = keepsName ? dropName : true }
            case .floatsOnly:
                guard lo < hi else { continue }
                if hlo < hhi && HistogramRangeFunctions.ignoresHistogramsInMixedRange.contains(job.name) {
                    annotations.info(HistogramRangeFunctions.ignoredInMixedRange(metricName), at: job.position)
                }
                if let kernel = job.kernel {
                    let value = pts.withUnsafeBufferPointer { kernel.compute(UnsafeBufferPointer(rebasing: $0[lo..<hi]), lower, ref) }
                    if let value {
                        out.floats.append(FPoint(t: ts, f: value))
                        if outDropName == nil { outDropName = kernel.keepName ? dropName : true }
                    }
                } else if let impl = job.impl {
                    fargs.window[0].floats.removeAll(keepingCapacity: true)
                    fargs.window[0].floats.append(contentsOf: pts[lo..<hi])
                    fargs.rangeStart = lower
                    fargs.rangeEnd = ref
                    for i in job.args.indices {
                        if let s = job.scalars[i] {
                            fargs.vectors[i][0].t = ts
                            fargs.vectors[i][0].f = s[k]
                        }
                    }
                    enh.ts = ts
                    enh.out.removeAll(keepingCapacity: true)
                    let result = try impl(fargs, &enh, &annotations)
                    if let first = result.first {
                        out.floats.append(FPoint(t: ts, f: first.f))
                        if outDropName == nil { outDropName = first.dropName }
                    }
                }
            }
        }
        if present == job.steps { completeSeries = true }
        if out.isEmpty { return }
        let cost = out.floats.count &+ HistogramSampleCost.of(out.histograms)
        if cost > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
        held += cost
        out.dropName = outDropName ?? dropName
        self.out.append(out)
        // As Prometheus: only a series with float results is reported.
        if job.checkCounter, !out.floats.isEmpty, !metricName.isEmpty, !metricName.hasSuffix("_total"), !metricName.hasSuffix("_sum"),
           !metricName.hasSuffix("_count"), !metricName.hasSuffix("_bucket") {
            nonCounters.append(metricName)
        }
    }
}
