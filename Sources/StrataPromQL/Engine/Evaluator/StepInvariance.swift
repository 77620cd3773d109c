import StrataModel

/// Prometheus's step-invariance analysis: which parts of a query give the same value at every
/// step because every selector in them is pinned with `@`, so a range evaluation can compute
/// them once and repeat the result.
enum StepInvariance {
    /// Functions whose result depends on the evaluation time even when their arguments are
    /// pinned (Prometheus's `AtModifierUnsafeFunctions`).
    static let unsafeFunctions: Set<String> = [
        "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute", "month",
        "year", "predict_linear", "time", "timestamp",
    ]

    /// Whether `expr` is step invariant, and whether it is worth evaluating once as a whole
    /// (literals and range selectors are not: they are cheap or evaluated by their parent).
    static func analyse(_ expr: Expr) -> (invariant: Bool, wrap: Bool) {
        switch expr {
        case .number, .string:
            return (true, false)
        case .vectorSelector(let vs):
            return (vs.at != nil, vs.at != nil)
        case .matrixSelector(let ms):
            return (ms.vectorSelector.at != nil, false)
        case .subquery(let sq):
            return (sq.at != nil, sq.at != nil)
        case .paren(let p):
            return analyse(p.expr)
        case .unary(let u):
            return analyse(u.expr)
        case .aggregate(let a):
            // As upstream, only the aggregated expression counts, not the parameter.
            return analyse(a.expr)
        case .binary(let b):
            let l = analyse(b.lhs), r = analyse(b.rhs)
            return l.invariant && r.invariant ? (true, true) : (false, false)
        case .call(let c):
            var invariant = !unsafeFunctions.contains(c.function.name)
            for arg in c.args where !analyse(arg).invariant { invariant = false }
            return (invariant, invariant)
        }
    }
}

extension Evaluator {
    /// Evaluates a step-invariant expression at the first step only and repeats each series'
    /// value at every step.
    func evalOnceAndRepeat(_ expr: Expr) async throws(QueryError) -> Matrix {
        let single = Evaluator(start: start, end: start, interval: interval, ctx: ctx)
        let base = ctx.currentSamples
        var mat = try await single.eval(expr)
        let steps = numSteps
        let (total, overflow) = mat.count.multipliedReportingOverflow(by: steps)
        if overflow { throw .tooManySamples(limit: ctx.options.maxSamples) }
        try ctx.checkSamples(total)
        for i in mat.indices {
            try ctx.tick(steps)
            if mat[i].floats.isEmpty, let first = mat[i].histograms.first {
                var histograms = [HPoint]()
                histograms.reserveCapacity(steps)
                var ts = start
                while ts <= end {
                    histograms.append(HPoint(t: ts, h: first.h))
                    ts &+= interval
                }
                mat[i].histograms = histograms
                continue
            }
            guard let first = mat[i].floats.first else { continue }
            var floats = [FPoint]()
            floats.reserveCapacity(steps)
            var ts = start
            while ts <= end {
                floats.append(FPoint(t: ts, f: first.f))
                ts &+= interval
            }
            mat[i].floats = floats
        }
        ctx.currentSamples = base + mat.pointCount
        return mat
    }
}
