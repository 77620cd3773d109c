import StrataModel

extension Evaluator {
    /// Labels that tie a series to its info series.
    static let infoIdentifyingLabels = ["instance", "job"]

    /// `info(v, {selector})`: adds the data labels of the info series (by default `target_info`)
    /// that share `instance` and `job` with each series of `v`.
    func evalInfo(_ call: Call) async throws(QueryError) -> Matrix {
        let args = call.args.map(\.unwrapped)
        guard let first = args.first else { throw .execution("info needs an argument") }
        let base = ctx.currentSamples
        let mat = try await eval(first)

        // Data label matchers by label name, and the matchers of info metric names.
        var dataMatchers: [String: [LabelMatcher]] = [:]
        var nameMatchers: [LabelMatcher] = []
        if args.count > 1, case .vectorSelector(let sel) = args[1] {
            for m in sel.matchers {
                dataMatchers[m.name, default: []].append(m)
                if m.name == metricNameLabel { nameMatchers.append(m) }
            }
        } else if let m = try? LabelMatcher(.equal, metricNameLabel, "target_info") {
            nameMatchers = [m]
        }
        // Info series themselves are passed through unchanged: those whose name all name
        // matchers accept, when at least one of them names info metrics positively.
        let hasPositive = nameMatchers.contains { $0.type == .equal || $0.type == .regexMatch }
        let ignored = mat.map { s in
            hasPositive && nameMatchers.allSatisfy { $0.matches(s.metric.metricName ?? "") }
        }
        var idValues: [String: Set<String>] = [:]
        for (i, s) in mat.enumerated() where !ignored[i] {
            for name in Self.infoIdentifyingLabels {
                if let v = s.metric[name], !v.isEmpty { idValues[name, default: []].insert(v) }
            }
        }
        var selectMatchers: [LabelMatcher] = []
        for ms in dataMatchers.values { selectMatchers.append(contentsOf: ms) }
        let hasName = selectMatchers.contains { $0.name == metricNameLabel }
        dataMatchers[metricNameLabel] = nil
        var infoMat = Matrix()
        if !idValues.isEmpty {
            if !hasName, let m = try? LabelMatcher(.equal, metricNameLabel, "target_info") {
                selectMatchers.insert(m, at: 0)
            } else if !hasPositive, let m = try? LabelMatcher(.regexMatch, metricNameLabel, ".+_info") {
                // Only negative name matchers: they narrow the info metrics, which are the
                // `*_info` series, rather than turn any other series into one.
                selectMatchers.insert(m, at: 0)
            }
            // Info series are read as of the time the argument's first selector reads its
            // samples: its `@` and offset, and those of the subqueries around it.
            let (pinned, offset) = infoReference(first)
            let lookback = ctx.options.lookbackDelta
            let refStart = (pinned ?? start) &- offset
            let refEnd = (pinned ?? end) &- offset
            let stored = try await ctx.select(selectMatchers, mint: refStart &- lookback &+ 1, maxt: refEnd).filter { s in
                idValues.allSatisfy { name, values in values.contains(s.labels[name] ?? "") }
            }
            // Info metrics are floats: an info series holding native histograms is an error, as
            // in Prometheus.
            for s in stored where s.chunks.contains(where: {
                ($0.encoding == .histogram || $0.encoding == .floatHistogram) && $0.maxTime > refStart &- lookback && $0.minTime <= refEnd
            }) {
                throw .execution("this should be an info metric, with float samples: \(s.labels.promString)")
            }
            infoMat = try await sampleSeries(stored, offset: offset, at: pinned.map { $0 &- offset }, refStart: refStart,
                                       refEnd: refEnd, sampleTimestamps: true)
        }
        let allMatchEmpty = dataMatchers.values.allSatisfy { $0.allSatisfy { $0.matches("") } }

        // Join signature of a series for an info metric name: the name and identifying labels.
        func signature(_ name: String, _ labels: Labels) -> Labels {
            var pairs = [Label(name: metricNameLabel, value: name)]
            for l in Self.infoIdentifyingLabels { if let v = labels[l] { pairs.append(Label(name: l, value: v)) } }
            return Labels(pairs)
        }
        let infoNames = Array(Set(infoMat.compactMap { $0.metric.metricName })).sorted()
        let infoSigs = infoMat.map { signature($0.metric.metricName ?? "", $0.metric) }
        let baseSigs = mat.map { s in infoNames.map { signature($0, s.metric) } }

        var bc = StepCursor(count: mat.count), ic = StepCursor(count: infoMat.count)
        var collector = SeriesCollector(stepCapacity: numSteps)
        var out = Vector()
        var ts = start
        while ts <= end {
            try ctx.tick(1 &+ mat.count &+ infoMat.count)
            // The newest info sample per signature at this step.
            var bySig: [Labels: (index: Int, origT: Int64)] = [:]
            for j in infoMat.indices {
                guard let v = ic.value(infoMat, series: j, at: ts) else { continue }
                let origT = Int64(v)
                if let existing = bySig[infoSigs[j]] {
                    if existing.origT < origT {
                        bySig[infoSigs[j]] = (j, origT)
                    } else if existing.origT == origT {
                        throw .execution("found duplicate series for info metric: existing \(infoMat[existing.index].metric.promString) @ \(existing.origT), new \(infoMat[j].metric.promString) @ \(origT)")
                    }
                } else {
                    bySig[infoSigs[j]] = (j, origT)
                }
            }
            out.removeAll(keepingCapacity: true)
            for i in mat.indices {
                guard let f = bc.value(mat, series: i, at: ts) else { continue }
                if ignored[i] {
                    out.append(VectorSample(metric: mat[i].metric, t: ts, f: f, dropName: mat[i].dropName))
                    continue
                }
                var added: [String: String] = [:]
                var matched = false
                for (n, _) in infoNames.enumerated() {
                    guard let hit = bySig[baseSigs[i][n]] else { continue }
                    matched = true
                    for l in infoMat[hit.index].metric where l.name != metricNameLabel {
                        if !dataMatchers.isEmpty && dataMatchers[l.name] == nil { continue }
                        if let v = added[l.name], v != l.value { throw .execution("conflicting label: \(l.name)") }
                        if mat[i].metric[l.name] != nil { continue }
                        added[l.name] = l.value
                    }
                }
                if !matched && !allMatchEmpty { continue }
                var labels = Array(mat[i].metric)
                for (name, value) in added { labels.append(Label(name: name, value: value)) }
                out.append(VectorSample(metric: Labels(labels), t: ts, f: f, dropName: mat[i].dropName))
            }
            try ctx.checkSamples(collector.points + out.count)
            try collector.add(out, ts: ts)
            ts &+= interval
        }
        ctx.currentSamples = base + collector.points
        return collector.series
    }
}

extension Evaluator {
    /// When the first selector of `expr` reads samples for a step `ts`: `(pinned ?? ts) - offset`,
    /// composing the `@` and offsets of the subqueries on the way to it.
    func infoReference(_ expr: Expr) -> (pinned: Int64?, offset: Int64) {
        var pinned: Int64? = nil
        var offset: Int64 = 0
        func apply(_ at: AtModifier?, _ off: Duration) {
            if let t = ctx.resolve(at) {
                pinned = t
                offset = 0
            }
            offset += milliseconds(off)
        }
        var e = expr
        while true {
            switch e {
            case .vectorSelector(let vs):
                apply(vs.at, vs.offset)
                return (pinned, offset)
            case .matrixSelector(let ms):
                apply(ms.vectorSelector.at, ms.vectorSelector.offset)
                return (pinned, offset)
            case .subquery(let sq):
                apply(sq.at, sq.offset)
                e = sq.expr
            case .paren(let p): e = p.expr
            case .unary(let u): e = u.expr
            case .binary(let b): e = b.lhs.firstVectorSelector != nil ? b.lhs : b.rhs
            case .aggregate(let a): e = a.param?.firstVectorSelector != nil ? (a.param ?? a.expr) : a.expr
            case .call(let c):
                guard let arg = c.args.first(where: { $0.firstVectorSelector != nil }) else { return (pinned, offset) }
                e = arg
            case .number, .string:
                return (pinned, offset)
            }
        }
    }
}

extension Expr {
    /// The first vector selector in the expression, in source order.
    var firstVectorSelector: VectorSelector? {
        switch self {
        case .vectorSelector(let vs): return vs
        case .matrixSelector(let ms): return ms.vectorSelector
        case .number, .string: return nil
        case .subquery(let s): return s.expr.firstVectorSelector
        case .paren(let p): return p.expr.firstVectorSelector
        case .unary(let u): return u.expr.firstVectorSelector
        case .binary(let b): return b.lhs.firstVectorSelector ?? b.rhs.firstVectorSelector
        case .aggregate(let a): return a.param?.firstVectorSelector ?? a.expr.firstVectorSelector
        case .call(let c):
            for arg in c.args { if let vs = arg.firstVectorSelector { return vs } }
            return nil
        }
    }
}
