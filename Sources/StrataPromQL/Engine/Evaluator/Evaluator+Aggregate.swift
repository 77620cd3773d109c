import StrataModel

extension Evaluator {
    /// Evaluates an aggregation: one `Aggregation` for the node, fed each step's samples by
    /// input series index, so grouping keys are computed once per series.
    func evalAggregate(_ a: AggregateExpr) async throws(QueryError) -> Matrix {
        let base = ctx.currentSamples
        var params: [Double]? = nil
        var label: String? = nil
        if let p = a.param?.unwrapped {
            if a.op == .count_values {
                guard case .string(let s) = p else { throw .execution("count_values needs a string parameter") }
                label = s.value
            } else {
                params = scalarValues(try await eval(p))
            }
        }
        if a.op.isPlainReduction, let (call, args, m, ms) = fusableRangeCall(a.expr) {
            return try await evalAggregateOfRangeFunction(
                a, call: call, args: args, matrixArg: m, selector: ms, params: params, label: label)
        }
        if a.op.isPlainReduction, numSteps > 1, case .vectorSelector(let vs) = a.expr.unwrapped, vs.at == nil {
            return try await evalAggregateOfSelector(a, selector: vs, params: params, label: label)
        }
        return try await aggregate(a, input: try await eval(a.expr), params: params, label: label, base: base)
    }

    /// Aggregates an evaluated input matrix step by step.
    func aggregate(_ a: AggregateExpr, input: Matrix, params: [Double]?, label: String?, base: Int) async throws(QueryError) -> Matrix {
        var aggregation = try Aggregation(expr: a, series: input.map(\.metric), dropName: input.map(\.dropName))
        // One check of the parameter over all steps, so a varying parameter warns once, as upstream.
        if let params { try aggregation.validate(params: params, annotations: &ctx.annotations) }
        if input.contains(where: { !$0.histograms.isEmpty }) {
            return try aggregateWithHistograms(a, input: input, aggregation: &aggregation, params: params, label: label, base: base)
        }
        var gather = StepBlockGather(input: input, start: start, end: end, interval: interval)
        var collector = SeriesCollector(stepCapacity: numSteps)
        var k = 0
        while gather.nextBlock() {
            try ctx.tick(input.count)
            for kk in 0..<gather.blockSteps {
                try ctx.tick(gather.samples[kk].count)
                let ts = gather.blockStart &+ Int64(kk) &* interval
                let out = try aggregation.step(ts: ts, samples: gather.samples[kk], param: params?[k], label: label,
                                               annotations: &ctx.annotations)
                try ctx.checkSamples(collector.points + out.count)
                try collector.add(out, ts: ts)
                k += 1
            }
        }
        ctx.currentSamples = base + collector.points
        return collector.series
    }
}

extension AggregateOp {
    /// Aggregations whose result depends only on the values of each step, not on how many
    /// input series exist overall (those are the ones the fused range-function path serves).
    var isPlainReduction: Bool {
        switch self {
        case .sum, .avg, .count, .min, .max, .group, .stddev, .stdvar: return true
        default: return false
        }
    }
}

/// Hands out, a block of steps at a time, the samples of a step-aligned matrix at each step
/// (by series index, in series order).
///
/// Equivalent to a `StepCursor` read of every series at every step, but each series is read
/// once per block instead of once per step: the per-step pass over every series (and its
/// reference counting) cost more than the aggregation itself.
struct StepBlockGather {
    /// Steps per block: the samples of a block stay small even for many series.
    static let blockLength = 64

    let input: Matrix
    let start: Int64
    let end: Int64
    let interval: Int64
    /// The samples of step `kk` of the current block.
    private(set) var samples: [[AggregationSample]]
    /// Time of the current block's first step.
    private(set) var blockStart: Int64 = 0
    /// Steps in the current block.
    private(set) var blockSteps = 0
    /// Per series: its next unread point, and the earliest step it may be read at.
    private var pos: [Int]
    private var nextStep: [Int64]
    private var nextBlockStart: Int64

    init(input: Matrix, start: Int64, end: Int64, interval: Int64) {
        self.input = input
        self.start = start
        self.end = end
        self.interval = interval
        samples = [[AggregationSample]](repeating: [], count: Self.blockLength)
        pos = [Int](repeating: 0, count: input.count)
        nextStep = [Int64](repeating: start, count: input.count)
        nextBlockStart = start
    }

    /// Moves to the next block of steps; false after the last step.
    ///
    /// A series' point is taken at the step equal to its timestamp, and only after the
    /// previous point was taken at an earlier step. A point off the step grid, or not after the
    /// previous one, stops the series for good: exactly where a `StepCursor` would stick.
    mutating func nextBlock() -> Bool {
        guard nextBlockStart <= end else { return false }
        blockStart = nextBlockStart
        let remaining = UInt64(bitPattern: end &- blockStart) / UInt64(interval)
        blockSteps = remaining >= UInt64(Self.blockLength) ? Self.blockLength : Int(remaining) + 1
        let blockEnd = blockStart &+ Int64(blockSteps - 1) &* interval
        nextBlockStart = blockEnd &+ interval
        for kk in 0..<blockSteps { samples[kk].removeAll(keepingCapacity: true) }
        let input = self.input
        for i in input.indices {
            var p = pos[i]
            input[i].floats.withUnsafeBufferPointer { floats in
                while p < floats.count {
                    let t = floats[p].t
                    if t > blockEnd { break }
                    guard t >= nextStep[i], (t &- start) % interval == 0 else { break }
                    samples[Int((t &- blockStart) / interval)].append(AggregationSample(series: i, f: floats[p].f))
                    nextStep[i] = t &+ interval
                    p &+= 1
                }
            }
            pos[i] = p
        }
        return true
    }
}

extension Evaluator {
    /// The aggregation of an input holding native histograms, a step at a time (the block
    /// gather reads floats only).
    func aggregateWithHistograms(
        _ a: AggregateExpr, input: Matrix, aggregation: inout Aggregation, params: [Double]?, label: String?, base: Int
    ) throws(QueryError) -> Matrix {
        var cursor = StepCursor(count: input.count)
        var vector = Vector()
        var indices = [Int]()
        var floats = [AggregationSample]()
        var histograms = [HistogramAggregationSample]()
        var collector = SeriesCollector(stepCapacity: numSteps)
        let position = a.expr.unwrapped.position
        var k = 0
        var ts = start
        while ts <= end {
            try ctx.tick(1 &+ input.count)
            cursor.gather(input, at: ts, into: &vector, indices: &indices)
            floats.removeAll(keepingCapacity: true)
            histograms.removeAll(keepingCapacity: true)
            for (s, i) in zip(vector, indices) {
                if let h = s.h {
                    histograms.append(HistogramAggregationSample(series: i, h: h))
                } else {
                    floats.append(AggregationSample(series: i, f: s.f))
                }
            }
            let out = try aggregation.stepWithHistograms(ts: ts, floats: floats, histograms: histograms, param: params?[k], label: label,
                                                         position: position, annotations: &ctx.annotations)
            try ctx.checkSamples(collector.points + out.count)
            try collector.add(out, ts: ts)
            ts &+= interval
            k += 1
        }
        ctx.currentSamples = base + collector.points
        return collector.series
    }
}
