import StrataModel

extension Evaluator {
    /// Evaluates a function whose argument `matrixArg` is a range selector or a subquery.
    ///
    /// Series are processed one at a time: the series' samples are decoded once, and for each
    /// step the window `(ref - range, ref]` is found by moving its two ends forward, copied into
    /// a reused one-series matrix, and handed to the implementation. Memory is bounded by one
    /// series' samples rather than by the whole selection.
    func evalRangeFunction(_ call: Call, args: [Expr], matrixArg m: Int) async throws(QueryError) -> Matrix {
        let name = call.function.name
        let isAbsent = name == "absent_over_time"
        let impl: FunctionImplementation? = isAbsent ? nil : try implementation(of: name)
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
            maxt = (at ?? end) - offset
            mint = (at ?? start) - offset - range + 1
            stored = try await ctx.select(ms.vectorSelector.matchers, mint: mint, maxt: maxt)
        case .subquery(let sq):
            range = milliseconds(sq.range)
            offset = milliseconds(sq.offset)
            at = ctx.resolve(sq.at)
            subqueryResult = try await evalSubquery(sq)
        default:
            throw .execution("unexpected range argument of \(name)")
        }

        var fargs = FunctionArgs(vectors: [Vector](repeating: [], count: args.count),
                                 window: [SeriesResult(metric: .empty, floats: [])], exprs: args)
        for i in args.indices where scalars[i] != nil {
            fargs.vectors[i] = [VectorSample(metric: .empty, t: start, f: 0)]
        }
        var enh = EvalNodeHelper(ts: start)
        // Kept in locals in the loops (class properties cost an exclusivity check per access).
        var annotations = Annotations()
        var loaded = 0
        var held = ctx.currentSamples
        let maxSamples = ctx.options.maxSamples
        var out = Matrix()
        let steps = numSteps
        let checkCounter = name == "rate" || name == "increase"
        var presentSteps = isAbsent ? [Bool](repeating: false, count: steps) : []
        var completeSeries = false

        /// Runs the function over every step for one series' points.
        func process(_ labels: Labels, _ dropName: Bool, _ pts: [FPoint]) throws(QueryError) {
            var floats = [FPoint]()
            var outDropName = dropName
            var lo = 0, hi = 0
            var ts = start
            var k = 0
            var present = 0
            while ts <= end {
                let ref = (at ?? ts) - offset
                let lower = ref - range
                while hi < pts.count && pts[hi].t <= ref { hi += 1 }
                while lo < hi && pts[lo].t <= lower { lo += 1 }
                if lo < hi {
                    if isAbsent {
                        presentSteps[k] = true
                        present += 1
                    } else if let impl {
                        let n = hi - lo
                        if held + n + floats.count > maxSamples { throw .tooManySamples(limit: maxSamples) }
                        loaded += n
                        fargs.window[0].floats.removeAll(keepingCapacity: true)
                        fargs.window[0].floats.append(contentsOf: pts[lo..<hi])
                        fargs.rangeStart = lower
                        fargs.rangeEnd = ref
                        for i in args.indices {
                            if let s = scalars[i] {
                                fargs.vectors[i][0].t = ts
                                fargs.vectors[i][0].f = s[k]
                            }
                        }
                        enh.ts = ts
                        enh.out.removeAll(keepingCapacity: true)
                        let result = try impl(fargs, &enh, &annotations)
                        if let first = result.first {
                            if floats.isEmpty {
                                floats.reserveCapacity(steps - k)
                                outDropName = first.dropName
                            }
                            floats.append(FPoint(t: ts, f: first.f))
                        }
                    }
                }
                ts += interval
                k += 1
            }
            if present == steps { completeSeries = true }
            if floats.isEmpty { return }
            if held + floats.count > maxSamples { throw .tooManySamples(limit: maxSamples) }
            held += floats.count
            out.append(SeriesResult(metric: labels, floats: floats, dropName: outDropName))
            if checkCounter, let metricName = labels.metricName, !metricName.isEmpty,
               !metricName.hasSuffix("_total"), !metricName.hasSuffix("_sum"),
               !metricName.hasSuffix("_count"), !metricName.hasSuffix("_bucket") {
                annotations.info(
                    "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(quoteLabelValue(metricName))",
                    at: args[m].position)
            }
        }

        if let sub = subqueryResult {
            for (n, s) in sub.enumerated() {
                if n & 255 == 0 { try ctx.checkInterrupted() }
                fargs.window[0].metric = s.metric
                fargs.window[0].dropName = s.dropName
                try process(s.metric, s.dropName, s.floats)
            }
        } else {
            var decoder = SeriesDecoder()
            for (n, s) in stored.enumerated() {
                if n & 255 == 0 { try ctx.checkInterrupted() }
                decoder.decode(s, mint: mint, maxt: maxt, keepStale: false)
                if decoder.points.isEmpty { continue }
                fargs.window[0].metric = s.labels
                fargs.window[0].dropName = false
                try process(s.labels, false, decoder.points)
            }
        }

        ctx.annotations.merge(annotations)
        ctx.samplesLoaded += loaded
        if isAbsent {
            ctx.currentSamples = base
            if completeSeries { return [] }
            var floats = [FPoint]()
            var ts = start
            var k = 0
            while ts <= end {
                if !presentSteps[k] { floats.append(FPoint(t: ts, f: 1)) }
                ts += interval
                k += 1
            }
            if floats.isEmpty { return [] }
            ctx.currentSamples += floats.count
            return [SeriesResult(metric: absentLabels(args[m]), floats: floats, dropName: true)]
        }
        ctx.currentSamples = base + out.pointCount
        return out
    }

    /// The labels `absent` and `absent_over_time` give their result: the equality matchers of
    /// the selector, except the name and any label matched more than once or otherwise.
    func absentLabels(_ expr: Expr) -> Labels {
        let matchers: [LabelMatcher]
        switch expr.unwrapped {
        case .vectorSelector(let vs): matchers = vs.matchers
        case .matrixSelector(let ms): matchers = ms.vectorSelector.matchers
        default: return .empty
        }
        var seen = Set<String>()
        var values: [String: String] = [:]
        for m in matchers where m.name != metricNameLabel {
            if m.type == .equal && !seen.contains(m.name) {
                values[m.name] = m.value
                seen.insert(m.name)
            } else {
                values[m.name] = nil
            }
        }
        return Labels(values)
    }
}
