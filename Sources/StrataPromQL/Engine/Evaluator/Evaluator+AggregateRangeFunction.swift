import StrataModel

extension Evaluator {
    /// Steps evaluated together by the fused path: enough to amortise the per-series work,
    /// few enough that the block of intermediate values stays small.
    static let fusedBlockSteps = 128

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
    /// every series at every step (what Prometheus materialises) is never built.
    func evalAggregateOfRangeFunction(
        _ a: AggregateExpr, call: Call, args: [Expr], matrixArg m: Int, selector ms: MatrixSelector,
        params: [Double]?, label: String?
    ) async throws(QueryError) -> Matrix {
        let name = call.function.name
        let impl = try implementation(of: name)
        let base = ctx.currentSamples
        var scalars = [[Double]?](repeating: nil, count: args.count)
        for i in args.indices where i != m && args[i].type != .string {
            scalars[i] = scalarValues(try await eval(args[i]))
        }
        let range = milliseconds(ms.range)
        let offset = milliseconds(ms.vectorSelector.offset)
        let at = ctx.resolve(ms.vectorSelector.at)
        let maxt = (at ?? end) - offset
        let mint = (at ?? start) - offset - range + 1
        let stored = try await ctx.select(ms.vectorSelector.matchers, mint: mint, maxt: maxt)

        // Prometheus's rule for range functions: all but these two drop the name.
        let drops = name != "last_over_time" && name != "first_over_time"
        var aggregation = try Aggregation(
            expr: a, series: stored.map(\.labels), dropName: [Bool](repeating: drops, count: stored.count))
        var windows = stored.map { SeriesWindow($0, mint: mint, maxt: maxt) }
        let checkCounter = name == "rate" || name == "increase"
        var counterChecked = [Bool](repeating: !checkCounter, count: stored.count)

        var fargs = FunctionArgs(vectors: [Vector](repeating: [], count: args.count),
                                 window: [SeriesResult(metric: .empty, floats: [])], exprs: args)
        for i in args.indices where scalars[i] != nil {
            fargs.vectors[i] = [VectorSample(metric: .empty, t: start, f: 0)]
        }
        var enh = EvalNodeHelper(ts: start)
        // Kept in locals in the loops (class properties cost an exclusivity check per access).
        var annotations = Annotations()
        var loaded = 0
        let maxSamples = ctx.options.maxSamples
        let block = Self.fusedBlockSteps
        var values = [Double](repeating: 0, count: stored.count * block)
        var present = [Bool](repeating: false, count: stored.count * block)
        var samples = [AggregationSample]()
        samples.reserveCapacity(stored.count)
        var collector = SeriesCollector(stepCapacity: numSteps)
        let steps = numSteps
        var blockStart = 0
        while blockStart < steps {
            let blockSteps = min(block, steps - blockStart)
            for i in stored.indices {
                if i & 255 == 0 { try ctx.checkInterrupted() }
                fargs.window[0].metric = stored[i].labels
                var produced = false
                for kk in 0..<blockSteps {
                    let k = blockStart + kk
                    let ts = start + Int64(k) * interval
                    let ref = (at ?? ts) - offset
                    let lower = ref - range
                    let r = windows[i].advance(lower: lower, ref: ref)
                    present[i * block + kk] = false
                    if r.isEmpty { continue }
                    if base + r.count + collector.points > maxSamples { throw .tooManySamples(limit: maxSamples) }
                    loaded += r.count
                    fargs.window[0].floats.removeAll(keepingCapacity: true)
                    fargs.window[0].floats.append(contentsOf: windows[i].buffer[r])
                    fargs.rangeStart = lower
                    fargs.rangeEnd = ref
                    for j in args.indices {
                        if let s = scalars[j] {
                            fargs.vectors[j][0].t = ts
                            fargs.vectors[j][0].f = s[k]
                        }
                    }
                    enh.ts = ts
                    enh.out.removeAll(keepingCapacity: true)
                    let result = try impl(fargs, &enh, &annotations)
                    if let first = result.first {
                        values[i * block + kk] = first.f
                        present[i * block + kk] = true
                        produced = true
                    }
                }
                if produced && !counterChecked[i] {
                    counterChecked[i] = true
                    if let metricName = stored[i].labels.metricName, !metricName.isEmpty,
                       !metricName.hasSuffix("_total"), !metricName.hasSuffix("_sum"),
                       !metricName.hasSuffix("_count"), !metricName.hasSuffix("_bucket") {
                        annotations.info(
                            "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(quoteLabelValue(metricName))",
                            at: args[m].position)
                    }
                }
            }
            for kk in 0..<blockSteps {
                let k = blockStart + kk
                let ts = start + Int64(k) * interval
                samples.removeAll(keepingCapacity: true)
                for i in stored.indices where present[i * block + kk] {
                    samples.append(AggregationSample(series: i, f: values[i * block + kk]))
                }
                let out = try aggregation.step(ts: ts, samples: samples, param: params?[k], label: label, annotations: &annotations)
                if base + collector.points + out.count > maxSamples { throw .tooManySamples(limit: maxSamples) }
                try collector.add(out, ts: ts)
            }
            blockStart += blockSteps
        }
        ctx.annotations.merge(annotations)
        ctx.samplesLoaded += loaded
        ctx.currentSamples = base + collector.points
        return collector.series
    }
}
