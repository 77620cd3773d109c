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
        let input = try await eval(a.expr)
        var aggregation = try Aggregation(expr: a, series: input.map(\.metric), dropName: input.map(\.dropName))
        // One check of the parameter over all steps, so a varying parameter warns once, as upstream.
        if let params { try aggregation.validate(params: params, annotations: &ctx.annotations) }
        var cursor = StepCursor(count: input.count)
        var samples = [AggregationSample]()
        samples.reserveCapacity(input.count)
        var collector = SeriesCollector(stepCapacity: numSteps)
        var ts = start
        var k = 0
        while ts <= end {
            if k & 63 == 0 { try ctx.checkInterrupted() }
            samples.removeAll(keepingCapacity: true)
            for i in input.indices {
                if let f = cursor.value(input, series: i, at: ts) { samples.append(AggregationSample(series: i, f: f)) }
            }
            let out = try aggregation.step(ts: ts, samples: samples, param: params?[k], label: label, annotations: &ctx.annotations)
            try ctx.checkSamples(collector.points + out.count)
            try collector.add(out, ts: ts)
            ts &+= interval
            k += 1
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
