import StrataModel

extension Evaluator {
    /// Evaluates a function call: range-vector functions series by series, `timestamp` of a
    /// selector with the samples' own times, everything else step by step.
    func evalCall(_ call: Call) async throws(QueryError) -> Matrix {
        let name = call.function.name
        let args = call.args.map(\.unwrapped)
        if name == "info" { return try await evalInfo(call) }
        if name == "timestamp", let first = args.first, case .vectorSelector(let vs) = first {
            return try await evalTimestamp(call, vs, args: args)
        }
        if let m = args.firstIndex(where: { $0.type == .matrix }) {
            return try await evalRangeFunction(call, args: args, matrixArg: m)
        }
        let impl = try implementation(of: name)
        let base = ctx.currentSamples
        var mats = [Matrix?](repeating: nil, count: args.count)
        for i in args.indices where args[i].type != .string {
            mats[i] = try await eval(args[i])
        }
        var cursors = mats.map { StepCursor(count: $0?.count ?? 0) }
        var fargs = FunctionArgs(vectors: [Vector](repeating: [], count: args.count), window: [], exprs: args)
        var enh = EvalNodeHelper(ts: start)
        var collector = SeriesCollector(stepCapacity: numSteps)
        var indices = [Int]()
        // Each step gathers from every input series.
        var perStep = 1
        for m in mats { perStep &+= m?.count ?? 0 }
        var ts = start
        while ts <= end {
            try ctx.tick(perStep)
            for i in args.indices {
                if let m = mats[i] { cursors[i].gather(m, at: ts, into: &fargs.vectors[i], indices: &indices) }
            }
            enh.ts = ts
            enh.out.removeAll(keepingCapacity: true)
            let out = try impl(fargs, &enh, &ctx.annotations)
            try ctx.checkSamples(collector.points + out.count)
            try collector.add(out, ts: ts)
            ts &+= interval
        }
        ctx.currentSamples = base + collector.points
        return collector.series
    }

    /// The implementation of `name`. Every function the parser accepts but `info` (evaluated on
    /// its own) is in the table, as `InstantFunctionTests.coverage` checks, so the error is only
    /// a guard against a table that falls behind the parser.
    func implementation(of name: String) throws(QueryError) -> FunctionImplementation {
        guard let impl = FunctionTable.implementation(for: name) else {
            throw .execution("function \(name) is not implemented")
        }
        return impl
    }

    /// `timestamp(selector)`: the function sees each chosen sample with its own timestamp.
    func evalTimestamp(_ call: Call, _ vs: VectorSelector, args: [Expr]) async throws(QueryError) -> Matrix {
        let impl = try implementation(of: call.function.name)
        let base = ctx.currentSamples
        let mat = try await evalVectorSelector(vs, sampleTimestamps: true)
        var cursor = StepCursor(count: mat.count)
        var fargs = FunctionArgs(vectors: [[]], window: [], exprs: args)
        var enh = EvalNodeHelper(ts: start)
        var collector = SeriesCollector(stepCapacity: numSteps)
        var ts = start
        while ts <= end {
            try ctx.tick(1 &+ mat.count)
            fargs.vectors[0].removeAll(keepingCapacity: true)
            for i in mat.indices {
                guard let v = cursor.value(mat, series: i, at: ts) else { continue }
                // The value is the sample time; it is passed as both `t` and, in seconds, `f`.
                fargs.vectors[0].append(VectorSample(metric: mat[i].metric, t: Int64(v), f: v / 1000, dropName: mat[i].dropName))
            }
            enh.ts = ts
            enh.out.removeAll(keepingCapacity: true)
            let out = try impl(fargs, &enh, &ctx.annotations)
            try collector.add(out, ts: ts)
            ts &+= interval
        }
        ctx.currentSamples = base + collector.points
        return collector.series
    }
}
