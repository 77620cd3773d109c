import StrataModel

extension Evaluator {
    /// Evaluates a binary operation.
    func evalBinary(_ b: BinaryExpr) async throws(QueryError) -> Matrix {
        let lt = b.lhs.type, rt = b.rhs.type
        let base = ctx.currentSamples
        let result: Matrix
        switch (lt, rt) {
        case (.scalar, .scalar):
            let l = scalarValues(try await eval(b.lhs))
            let r = scalarValues(try await eval(b.rhs))
            var floats = [FPoint]()
            floats.reserveCapacity(l.count)
            var ts = start
            for k in l.indices {
                floats.append(FPoint(t: ts, f: b.op.applyScalar(l[k], r[k])))
                ts &+= interval
            }
            result = [SeriesResult(metric: .empty, floats: floats)]
        case (.vector, .scalar):
            let v = try await eval(b.lhs)
            let s = scalarValues(try await eval(b.rhs))
            result = vectorScalar(b, vector: v, scalar: s, swap: false, annotations: &ctx.annotations)
        case (.scalar, .vector):
            let s = scalarValues(try await eval(b.lhs))
            let v = try await eval(b.rhs)
            result = vectorScalar(b, vector: v, scalar: s, swap: true, annotations: &ctx.annotations)
        default:
            let l = try await eval(b.lhs)
            let r = try await eval(b.rhs)
            result = try vectorVector(b, lhs: l, rhs: r)
        }
        ctx.currentSamples = base + result.pointCount
        return result
    }

    /// A vector and a scalar: each series maps to itself, so this runs series by series.
    func vectorScalar(_ b: BinaryExpr, vector: Matrix, scalar: [Double], swap: Bool, annotations: inout Annotations) -> Matrix {
        let op = b.op
        let drops = op.changesMetricSchema || b.returnBool
        var out = Matrix()
        out.reserveCapacity(vector.count)
        for s in vector {
            var floats = [FPoint]()
            floats.reserveCapacity(s.floats.count)
            for p in s.floats {
                let k = stepIndex(p.t)
                let sv = k >= 0 && k < scalar.count ? scalar[k] : .nan
                var (value, keep) = swap ? op.apply(sv, p.f) : op.apply(p.f, sv)
                // A comparison keeps the vector element's value, whichever side it is on.
                if op.isComparison && swap { value = p.f }
                if b.returnBool {
                    value = keep ? 1 : 0
                    keep = true
                }
                if keep { floats.append(FPoint(t: p.t, f: value)) }
            }
            var histograms = [HPoint]()
            for p in s.histograms {
                let k = stepIndex(p.t)
                let sv = k >= 0 && k < scalar.count ? scalar[k] : .nan
                var r = swap ? HistogramBinaryArithmetic.apply(op, sv, nil, 0, p.h, position: Expr.binary(b).position, &annotations)
                    : HistogramBinaryArithmetic.apply(op, 0, p.h, sv, nil, position: Expr.binary(b).position, &annotations)
                if b.returnBool && !r.incompatible {
                    r = HistogramBinaryArithmetic.Outcome(f: r.keep ? 1 : 0, keep: true)
                }
                guard r.keep else { continue }
                if let h = r.h { histograms.append(HPoint(t: p.t, h: h)) } else { floats.append(FPoint(t: p.t, f: r.f)) }
            }
            if !histograms.isEmpty && !floats.isEmpty { floats.sort { $0.t < $1.t } }
            if !floats.isEmpty || !histograms.isEmpty {
                out.append(SeriesResult(metric: s.metric, floats: floats, histograms: histograms, dropName: s.dropName || drops))
            }
        }
        return out
    }

    /// Two vectors, matched per step by signature.
    func vectorVector(_ b: BinaryExpr, lhs: Matrix, rhs: Matrix) throws(QueryError) -> Matrix {
        let matching = b.matching ?? VectorMatching(
            cardinality: b.op.isSetOperator ? .manyToMany : .oneToOne, on: false, matchingLabels: [], include: [])
        let plan = VectorMatchingPlan(lhs: lhs, rhs: rhs, matching: matching)
        var state = BinaryStepState(plan: plan, matching: matching, op: b.op, returnBool: b.returnBool, position: Expr.binary(b).position)
        var lc = StepCursor(count: lhs.count), rc = StepCursor(count: rhs.count)
        var lv = Vector(), rv = Vector(), li = [Int](), ri = [Int]()
        var out = Vector()
        var collector = SeriesCollector(stepCapacity: numSteps)
        let base = ctx.currentSamples
        var ts = start
        // Each step gathers from every series of both sides.
        let perStep = 1 &+ lhs.count &+ rhs.count
        while ts <= end {
            try ctx.tick(perStep)
            lc.gather(lhs, at: ts, into: &lv, indices: &li)
            rc.gather(rhs, at: ts, into: &rv, indices: &ri)
            out.removeAll(keepingCapacity: true)
            switch b.op {
            case .and: state.and(lv, li, rv, ri, into: &out)
            case .or: state.or(lv, li, rv, ri, into: &out)
            case .unless: state.unless(lv, li, rv, ri, into: &out)
            default: try state.binop(lv, li, rv, ri, ts: ts, into: &out)
            }
            if ctx.currentSamples - base + collector.points + out.count > ctx.options.maxSamples {
                throw .tooManySamples(limit: ctx.options.maxSamples)
            }
            try collector.add(out, ts: ts)
            ts &+= interval
        }
        ctx.annotations.merge(state.annotations)
        return collector.series
    }
}

/// Scratch state of a vector-vector operation, reused across steps.
struct BinaryStepState {
    /// Signatures of both sides.
    let plan: VectorMatchingPlan
    /// `on`/`ignoring`, `group_x`.
    let matching: VectorMatching
    /// The operator.
    let op: BinaryOp
    /// The `bool` modifier.
    let returnBool: Bool
    /// Where the operation is in the query, for annotations.
    let position: PositionRange
    /// Annotations raised by elements with histograms.
    var annotations = Annotations()
    /// Per signature: the step (generation) it was last seen on the other side, and where.
    private var seenGen: [Int]
    private var seenAt: [Int]
    private var matchedGen: [Int]
    private var generation = 0
    /// For group_left/group_right: result label sets already produced per signature this step.
    private var inserted: [Int: Set<Labels>] = [:]
    /// Result labels by (left series, right series) pair.
    private var resultCache: [Int: Labels] = [:]

    /// Scratch state for one operation node.
    init(plan: VectorMatchingPlan, matching: VectorMatching, op: BinaryOp, returnBool: Bool, position: PositionRange) {
        self.plan = plan
        self.matching = matching
        self.op = op
        self.returnBool = returnBool
        self.position = position
        seenGen = [Int](repeating: 0, count: plan.count)
        seenAt = [Int](repeating: 0, count: plan.count)
        matchedGen = [Int](repeating: 0, count: plan.count)
    }

    /// Invalidates every per-signature mark of the previous step without clearing arrays.
    private mutating func nextGeneration() { generation += 1 }

    /// `and`: left samples whose signature the right side has.
    mutating func and(_ l: Vector, _ li: [Int], _ r: Vector, _ ri: [Int], into out: inout Vector) {
        if l.isEmpty || r.isEmpty { return }
        nextGeneration()
        for j in r.indices { seenGen[plan.rhsSig[ri[j]]] = generation }
        for i in l.indices where seenGen[plan.lhsSig[li[i]]] == generation { out.append(l[i]) }
    }

    /// `or`: all left samples, then right samples whose signature the left side lacks.
    mutating func or(_ l: Vector, _ li: [Int], _ r: Vector, _ ri: [Int], into out: inout Vector) {
        if l.isEmpty { out.append(contentsOf: r); return }
        if r.isEmpty { out.append(contentsOf: l); return }
        nextGeneration()
        for i in l.indices {
            seenGen[plan.lhsSig[li[i]]] = generation
            out.append(l[i])
        }
        for j in r.indices where seenGen[plan.rhsSig[ri[j]]] != generation { out.append(r[j]) }
    }

    /// `unless`: left samples whose signature the right side lacks.
    mutating func unless(_ l: Vector, _ li: [Int], _ r: Vector, _ ri: [Int], into out: inout Vector) {
        if l.isEmpty || r.isEmpty { out.append(contentsOf: l); return }
        nextGeneration()
        for j in r.indices { seenGen[plan.rhsSig[ri[j]]] = generation }
        for i in l.indices where seenGen[plan.lhsSig[li[i]]] != generation { out.append(l[i]) }
    }

    /// Arithmetic and comparisons between two vectors at one step.
    mutating func binop(_ l0: Vector, _ li0: [Int], _ r0: Vector, _ ri0: [Int], ts: Int64, into out: inout Vector) throws(QueryError) {
        if l0.isEmpty || r0.isEmpty { return }
        // group_right: the right side is the "many" side; swap so the loop below always pairs
        // many (left) with one (right), and swap values back when computing.
        let swapped = matching.cardinality == .oneToMany
        let l = swapped ? r0 : l0, li = swapped ? ri0 : li0
        let r = swapped ? l0 : r0, ri = swapped ? li0 : ri0
        let lSig = swapped ? plan.rhsSig : plan.lhsSig
        let rSig = swapped ? plan.lhsSig : plan.rhsSig
        nextGeneration()
        for j in r.indices {
            let ord = rSig[ri[j]]
            if seenGen[ord] == generation {
                let dup = r[seenAt[ord]]
                let group = r[j].metric.matchSignature(on: matching.on, names: Set(matching.matchingLabels))
                // The pair is reported in label order, so the message does not depend on storage order.
                let pair = [r[j].metric, dup.metric].sorted()
                throw .execution(
                    "found duplicate series for the match group \(group.promString) on the \(swapped ? "left" : "right") hand-side of the operation: [\(pair[0].promString), \(pair[1].promString)];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            seenGen[ord] = generation
            seenAt[ord] = j
        }
        if matching.cardinality != .oneToOne { inserted.removeAll(keepingCapacity: true) }
        let rCount = swapped ? plan.lhsSig.count : plan.rhsSig.count
        for i in l.indices {
            let ord = lSig[li[i]]
            guard seenGen[ord] == generation else { continue }
            let j = seenAt[ord]
            let ls = l[i], rs = r[j]
            let (fl, fr) = swapped ? (rs.f, ls.f) : (ls.f, rs.f)
            var value: Double, keep: Bool
            var hvalue: FloatHistogram? = nil
            if ls.h == nil && rs.h == nil {
                (value, keep) = op.apply(fl, fr)
            } else {
                let (hl, hr) = swapped ? (rs.h, ls.h) : (ls.h, rs.h)
                let r = HistogramBinaryArithmetic.apply(op, fl, hl, fr, hr, position: position, &annotations)
                if r.incompatible { continue }
                (value, keep, hvalue) = (r.f, r.keep, r.h)
                if returnBool { hvalue = nil }
            }
            if returnBool { value = keep ? 1 : 0 }
            let key = li[i] &* rCount &+ ri[j]
            let metric: Labels
            if let cached = resultCache[key] {
                metric = cached
            } else {
                metric = resultMetric(ls.metric, rs.metric)
                resultCache[key] = metric
            }
            if matching.cardinality == .oneToOne {
                if matchedGen[ord] == generation {
                    throw .execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
                matchedGen[ord] = generation
            } else if inserted[ord, default: []].insert(metric).inserted == false {
                throw .execution("multiple matches for labels: grouping labels must ensure unique matches")
            }
            if !keep && !returnBool { continue }
            if let hvalue {
                out.append(VectorSample(metric: metric, t: ts, h: hvalue, dropName: returnBool))
            } else {
                out.append(VectorSample(metric: metric, t: ts, f: value, dropName: returnBool))
            }
        }
    }

    /// The labels of a result element: the "many" side's labels, without the name for
    /// arithmetic, reduced to the matching labels for one-to-one `on`, without them for
    /// one-to-one `ignoring`, plus the `group_x` labels copied from the "one" side.
    func resultMetric(_ lhs: Labels, _ rhs: Labels) -> Labels {
        var labels = op.changesMetricSchema ? lhs.droppingMetadata() : lhs
        if matching.cardinality == .oneToOne {
            let names = Set(matching.matchingLabels)
            labels = Labels(presorted: labels.storage.filter { names.contains($0.name) == matching.on })
        }
        if !matching.include.isEmpty {
            var dict: [String: String] = [:]
            for l in labels { dict[l.name] = l.value }
            for name in matching.include {
                if let v = rhs[name], !v.isEmpty { dict[name] = v } else { dict[name] = nil }
            }
            labels = Labels(dict)
        }
        return labels
    }
}
