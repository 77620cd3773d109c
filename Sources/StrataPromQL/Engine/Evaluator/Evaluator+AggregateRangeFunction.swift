import StrataChunks
import StrataModel
import Synchronization

extension Evaluator {
    /// Steps evaluated together by the fused path: enough to amortise the per-series work,
    /// few enough that the block of intermediate values stays small.
    static let fusedBlockSteps = 64

    /// Fewest series per parallel part: below this, splitting costs more than it saves.
    static let fusedMinSeriesPerPart = 2048

    /// The range function and its selector when `expr` is `f(…, selector[range], …)`, the shape
    /// the fused aggregation path handles.
    func fusableRangeCall(_ expr: Expr) -> (Call, [Expr], Int, MatrixSelector)? {
        guard numSteps > 1, case .call(let call) = expr.unwrapped else { return nil }
        let name = call.function.name
        if name == "absent_over_time" { return nil }
        let args = call.args.map(\.unwrapped)
        guard let m = args.firstIndex(where: { $0.type == .matrix }), case .matrixSelector(let ms) = args[m] else { return nil }
        return (call, args, m, ms)
    }

    /// `agg(f(selector[range]))` over a range: the function runs series by series for a block
    /// of steps, its values go straight into the aggregation, and the intermediate matrix of
    /// every series at every step (what Prometheus materialises) is never built. The series of
    /// a block are split over parallel tasks when there are many.
    func evalAggregateOfRangeFunction(
        _ a: AggregateExpr, call: Call, args: [Expr], matrixArg m: Int, selector ms: MatrixSelector,
        params: [Double]?, label: String?
    ) async throws(QueryError) -> Matrix {
        var name = call.function.name
        let base = ctx.currentSamples
        var scalars = [[Double]?](repeating: nil, count: args.count)
        for i in args.indices where i != m && args[i].type != .string {
            scalars[i] = scalarValues(try await eval(args[i]))
        }
        let offset = milliseconds(ms.vectorSelector.offset)
        let at = ctx.resolve(ms.vectorSelector.at)
        let range = milliseconds(ms.range)
        let maxt = (at ?? end) &- offset
        let mint = (at ?? start) &- offset &- range &+ 1
        let view = AggregateView.forRangeFunction(name)
        let read = try await ctx.selectReading(ms.vectorSelector.matchers, mint: mint, maxt: maxt, view: view,
                                               maxResolution: ctx.maxResolution(view: view, step: interval, range: range))
        let stored = read.series
        // Windows carry their sample counts: counting samples of the count view is summing it.
        if read.downsampled && name == "count_over_time" { name = "sum_over_time" }
        let impl = try implementation(of: name)
        let job = FusedJob(
            impl: impl, kernel: args.count == 1 ? WindowKernel.forFunction(name) : nil, args: args, scalars: scalars,
            start: start, interval: interval, at: at, offset: offset,
            range: range, checkCounter: name == "rate" || name == "increase",
            maxSamples: ctx.options.maxSamples, deadline: ctx.deadline)
        // Prometheus's rule for range functions: all but these two drop the name.
        let drops = name != "last_over_time" && name != "first_over_time"
        return try await evalFusedAggregate(a, stored: stored, mint: mint, maxt: maxt, keepStale: false, job: job,
                                            dropName: drops, params: params, label: label, base: base,
                                            counterInfoAt: args[m].position)
    }

    /// `agg(selector)` over a range: each series' value at each step goes straight into the
    /// aggregation, without the intermediate matrix of every series at every step.
    func evalAggregateOfSelector(
        _ a: AggregateExpr, selector vs: VectorSelector, params: [Double]?, label: String?
    ) async throws(QueryError) -> Matrix {
        let base = ctx.currentSamples
        let offset = milliseconds(vs.offset)
        let maxResolution = ctx.maxResolution(view: .average, step: interval, range: 0)
        let widest = max(ctx.options.lookbackDelta, maxResolution)
        let maxt = end &- offset
        let read = try await ctx.selectReading(vs.matchers, mint: start &- offset &- widest &+ 1, maxt: maxt, view: .average,
                                               maxResolution: maxResolution)
        // See evalVectorSelector: a downsampled series has one point per window.
        let lookback = read.downsampled ? widest : ctx.options.lookbackDelta
        let mint = start &- offset &- lookback &+ 1
        let stored = read.series
        let job = FusedJob(
            impl: nil, kernel: nil, args: [], scalars: [], start: start, interval: interval, at: nil, offset: offset,
            range: lookback, checkCounter: false, maxSamples: ctx.options.maxSamples, deadline: ctx.deadline)
        return try await evalFusedAggregate(a, stored: stored, mint: mint, maxt: maxt, keepStale: true, job: job,
                                            dropName: false, params: params, label: label, base: base,
                                            counterInfoAt: vs.position)
    }

    /// Drives a fused aggregation: blocks of steps, each computed per series (in parallel parts
    /// when there are many series) and then aggregated step by step.
    func evalFusedAggregate(
        _ a: AggregateExpr, stored: [QuerySeries], mint: Int64, maxt: Int64, keepStale: Bool, job: FusedJob,
        dropName: Bool, params: [Double]?, label: String?, base: Int, counterInfoAt position: PositionRange
    ) async throws(QueryError) -> Matrix {
        // The fused path reads floats only: a selection holding native histograms is evaluated
        // the general way (its input matrix, then the aggregation).
        if stored.contains(where: { !MixedSeriesIterator.usesOnlyXOR($0.chunks) }) {
            return try await aggregate(a, input: try await eval(a.expr), params: params, label: label, base: base)
        }
        let labels = stored.map(\.labels)
        var aggregation = try Aggregation(expr: a, series: labels, dropName: [Bool](repeating: dropName, count: stored.count))
        if let params { try aggregation.validate(params: params, annotations: &ctx.annotations) }

        // Split the series into parts, each advanced by one task per block.
        let partCount = max(1, min(ctx.options.effectiveParallelism, stored.count / Self.fusedMinSeriesPerPart))
        let partSize = (stored.count + partCount - 1) / partCount
        var parts: [FusedPart] = []
        var first = 0
        while first < stored.count {
            let last = min(stored.count, first + partSize)
            parts.append(FusedPart(first: first, series: Array(stored[first..<last]), labels: Array(labels[first..<last]),
                                   mint: mint, maxt: maxt, keepStale: keepStale, block: Self.fusedBlockSteps))
            first = last
        }

        // With several parts, each lives in a cell for the whole evaluation and its task
        // advances it in place. Moving a copy of a part into a task (and back) every block
        // shared its windows with the copy left behind, so each block copied every window and
        // its buffer on write.
        let cells = parts.count > 1 ? parts.map { FusedPartCell($0) } : []
        if !cells.isEmpty { parts = [] }

        var samples = [AggregationSample]()
        samples.reserveCapacity(stored.count)
        var collector = SeriesCollector(stepCapacity: numSteps)
        var counterInfo = Set<String>()
        /// Moves what a part reported during the block into the query.
        func drain(_ part: inout FusedPart) {
            ctx.annotations.merge(part.annotations)
            part.annotations = Annotations()
            ctx.samplesLoaded += part.loaded
            part.loaded = 0
            for name in part.nonCounters where counterInfo.insert(name).inserted {
                ctx.annotations.info(
                    "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(quoteLabelValue(name))",
                    at: position)
            }
            part.nonCounters.removeAll()
        }
        /// Appends a part's samples at step `kk` of the block.
        func collect(_ part: inout FusedPart, _ kk: Int) {
            let block = part.block
            for j in 0..<part.labels.count where part.present[j &* block &+ kk] {
                samples.append(AggregationSample(series: part.first + j, f: part.values[j &* block &+ kk]))
            }
        }
        let steps = numSteps
        var blockStart = 0
        while blockStart < steps {
            let blockSteps = min(Self.fusedBlockSteps, steps - blockStart)
            let held = base + collector.points
            // No part at all when nothing was selected.
            if !cells.isEmpty {
                try await Self.runInParallel(cells, job, firstStep: blockStart, steps: blockSteps, held: held)
                for cell in cells { cell.part.withLock { drain(&$0) } }
            } else if !parts.isEmpty {
                try parts[0].run(job, firstStep: blockStart, steps: blockSteps, held: held)
                drain(&parts[0])
            }
            for kk in 0..<blockSteps {
                let k = blockStart + kk
                // Every step counts, with or without samples.
                try ctx.tick(1 &+ samples.count)
                samples.removeAll(keepingCapacity: true)
                if !cells.isEmpty {
                    for cell in cells { cell.part.withLock { collect(&$0, kk) } }
                } else if !parts.isEmpty {
                    collect(&parts[0], kk)
                }
                let out = try aggregation.step(ts: start &+ Int64(k) &* interval, samples: samples, param: params?[k],
                                               label: label, annotations: &ctx.annotations)
                try ctx.checkSamples(collector.points + out.count)
                try collector.add(out, ts: start &+ Int64(k) &* interval)
            }
            blockStart += blockSteps
        }
        ctx.currentSamples = base + collector.points
        return collector.series
    }

    /// Runs one block of every part in its own task; throws the error of the first failing
    /// part (in series order).
    static func runInParallel(
        _ cells: [FusedPartCell], _ job: FusedJob, firstStep: Int, steps: Int, held: Int
    ) async throws(QueryError) {
        let errors = await withTaskGroup(of: (Int, QueryError?).self) { group in
            for (i, cell) in cells.enumerated() {
                group.addTask {
                    do throws(QueryError) {
                        try cell.part.withLock { (part) throws(QueryError) in
                            try part.run(job, firstStep: firstStep, steps: steps, held: held)
                        }
                        return (i, nil)
                    } catch {
                        return (i, error)
                    }
                }
            }
            var errors = [QueryError?](repeating: nil, count: cells.count)
            for await (i, e) in group { errors[i] = e }
            return errors
        }
        for case let e? in errors { throw e }
    }
}

/// A part of a fused evaluation that parallel tasks advance in place (see `evalFusedAggregate`).
/// The lock is never contended: one task uses a cell during a block, the query between blocks.
final class FusedPartCell: Sendable {
    let part: Mutex<FusedPart>

    init(_ part: FusedPart) {
        self.part = Mutex(part)
    }
}

/// What every part of a fused evaluation shares: the function, its arguments, the step grid.
struct FusedJob: Sendable {
    /// The range function; nil for a plain selector, whose value is the newest sample in the
    /// window `(ref - range, ref]` (with `range` the lookback delta) unless it is stale.
    let impl: FunctionImplementation?
    /// The function computed on windows in place, when it has such a form (then `impl` is
    /// not called).
    let kernel: WindowKernel?
    let args: [Expr]
    /// Scalar arguments by argument index, one value per step.
    let scalars: [[Double]?]
    let start: Int64
    let interval: Int64
    let at: Int64?
    let offset: Int64
    let range: Int64
    /// Whether to report series whose name does not look like a counter (`rate`, `increase`).
    let checkCounter: Bool
    let maxSamples: Int
    let deadline: ContinuousClock.Instant
}

/// A contiguous run of the selected series, with their windows and the values of the current
/// block of steps. Moved into a task for a block and back.
struct FusedPart: Sendable {
    /// Index of the first series in the selection.
    let first: Int
    let labels: [Labels]
    var windows: [SeriesWindow]
    /// Steps per block; `values[j * block + kk]` is series `j` at step `kk` of the block.
    let block: Int
    var values: [Double]
    var present: [Bool]
    var annotations = Annotations()
    var loaded = 0
    /// Metric names found not to look like counters since the last report.
    var nonCounters: [String] = []
    private var checked: [Bool]

    init(first: Int, series: [QuerySeries], labels: [Labels], mint: Int64, maxt: Int64, keepStale: Bool, block: Int) {
        self.first = first
        self.labels = labels
        self.block = block
        windows = series.map { SeriesWindow($0, mint: mint, maxt: maxt, keepStale: keepStale) }
        values = [Double](repeating: 0, count: series.count * block)
        present = [Bool](repeating: false, count: series.count * block)
        checked = [Bool](repeating: false, count: series.count)
    }

    /// Evaluates the function for `steps` steps from step `firstStep` for every series of the part.
    mutating func run(_ job: FusedJob, firstStep: Int, steps: Int, held: Int) throws(QueryError) {
        var fargs = FunctionArgs(vectors: [Vector](repeating: [], count: job.args.count),
                                 window: [SeriesResult(metric: .empty, floats: [])], exprs: job.args)
        for i in job.args.indices where job.scalars[i] != nil {
            fargs.vectors[i] = [VectorSample(metric: .empty, t: job.start, f: 0)]
        }
        var enh = EvalNodeHelper(ts: job.start)
        // Read once: taking them out of `job` at every step retained and released them.
        let impl = job.impl, kernel = job.kernel, at = job.at
        var interrupts = InterruptCheck(deadline: job.deadline)
        for j in labels.indices {
            // A block of steps of one series is the unit of work here; windows add their samples.
            try interrupts.tick(steps)
            let row = j &* block
            var produced = false
            if impl == nil {
                // A plain selector: the newest sample in the lookback window, unless stale.
                for kk in 0..<steps {
                    let ts = job.start &+ Int64(firstStep &+ kk) &* job.interval
                    let ref = (at ?? ts) &- job.offset
                    let r = windows[j].advance(lower: ref &- job.range, ref: ref)
                    present[row &+ kk] = false
                    if r.isEmpty { continue }
                    let newest = windows[j].point(at: r.upperBound - 1)
                    if StaleNaN.isStale(newest.f) { continue }
                    loaded += 1
                    values[row &+ kk] = newest.f
                    present[row &+ kk] = true
                }
                continue
            }
            if let kernel {
                for kk in 0..<steps {
                    let ts = job.start &+ Int64(firstStep &+ kk) &* job.interval
                    let ref = (at ?? ts) &- job.offset
                    let lower = ref &- job.range
                    let r = windows[j].advance(lower: lower, ref: ref)
                    present[row &+ kk] = false
                    if r.isEmpty { continue }
                    if r.count > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
                    try interrupts.tick(r.count)
                    loaded += r.count
                    if let value = windows[j].withPoints(r, { kernel.compute($0, lower, ref) }) {
                        values[row &+ kk] = value
                        present[row &+ kk] = true
                        produced = true
                    }
                }
            } else if let impl {
                fargs.window[0].metric = labels[j]
                for kk in 0..<steps {
                    let k = firstStep + kk
                    let ts = job.start &+ Int64(k) &* job.interval
                    let ref = (at ?? ts) &- job.offset
                    let lower = ref &- job.range
                    let r = windows[j].advance(lower: lower, ref: ref)
                    present[row &+ kk] = false
                    if r.isEmpty { continue }
                    if r.count > job.maxSamples &- held { throw .tooManySamples(limit: job.maxSamples) }
                    try interrupts.tick(r.count)
                    loaded += r.count
                    fargs.window[0].floats.removeAll(keepingCapacity: true)
                    windows[j].appendPoints(r, to: &fargs.window[0].floats)
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
                    if let value = result.first {
                        values[row &+ kk] = value.f
                        present[row &+ kk] = true
                        produced = true
                    }
                }
            }
            if produced && job.checkCounter && !checked[j] {
                checked[j] = true
                if let name = labels[j].metricName, !name.isEmpty, !name.hasSuffix("_total"), !name.hasSuffix("_sum"),
                   !name.hasSuffix("_count"), !name.hasSuffix("_bucket") {
                    nonCounters.append(name)
                }
            }
        }
    }
}
