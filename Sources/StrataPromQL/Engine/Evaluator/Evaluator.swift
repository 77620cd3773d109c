import StrataModel

/// Evaluates expressions at the steps `start, start + interval, …, end`, as Prometheus's
/// `evaluator` does: every instant-vector or scalar node yields a `Matrix` whose points sit at
/// step times (a scalar is one label-less series with a point at every step).
///
/// An instant query is a range evaluation of one step. Subqueries run a nested evaluator with
/// their own steps over the same `EvalContext`.
struct Evaluator {
    /// First step, ms.
    let start: Int64
    /// Last step (inclusive), ms.
    let end: Int64
    /// Step width, ms (1 for an instant query).
    let interval: Int64
    /// Storage, limits and annotations of the query.
    let ctx: EvalContext

    /// An evaluator of the steps from `start` to `end`. `end` is kept at least one interval
    /// below `Int64.max` so that stepping past the last step cannot overflow, however far
    /// an `@` or offset pushes the times.
    init(start: Int64, end: Int64, interval: Int64, ctx: EvalContext) {
        let step = max(1, interval)
        self.start = start
        self.end = min(end, Int64.max - step)
        self.interval = step
        self.ctx = ctx
    }

    /// The number of steps; zero when `end < start` (an empty subquery).
    var numSteps: Int {
        if end < start { return 0 }
        let n = UInt64(bitPattern: end &- start) / UInt64(interval)
        return n >= UInt64(Int.max) ? Int.max : Int(n) + 1
    }

    /// Step index of a step timestamp.
    @inline(__always)
    func stepIndex(_ ts: Int64) -> Int { Int(truncatingIfNeeded: (ts &- start) / interval) }

    /// Evaluates an expression of type scalar, instant vector or (at the top of an instant
    /// query) range vector.
    func eval(_ expr: Expr) async throws(QueryError) -> Matrix {
        try ctx.checkInterrupted()
        let steps = numSteps
        if steps == 0 { return [] }
        // Range-vector results keep their own timestamps and are never repeated.
        if steps > 1 && expr.type != .matrix && StepInvariance.analyse(expr).wrap {
            return try await evalOnceAndRepeat(expr)
        }
        switch expr {
        case .number(let n):
            return try constant(n.value)
        case .string:
            throw .execution("unexpected string expression in evaluation")
        case .paren(let p):
            return try await eval(p.expr)
        case .unary(let u):
            var mat = try await eval(u.expr)
            if u.op == .sub {
                for i in mat.indices {
                    mat[i].dropName = true
                    for j in mat[i].floats.indices { mat[i].floats[j].f = -mat[i].floats[j].f }
                    for j in mat[i].histograms.indices { mat[i].histograms[j].h = mat[i].histograms[j].h.multiplied(by: -1) }
                }
            }
            return mat
        case .vectorSelector(let vs):
            return try await evalVectorSelector(vs)
        case .matrixSelector(let ms):
            return try await evalMatrixSelector(ms)
        case .subquery(let sq):
            return try await evalSubquery(sq)
        case .binary(let b):
            return try await evalBinary(b)
        case .aggregate(let a):
            return try await evalAggregate(a)
        case .call(let c):
            return try await evalCall(c)
        }
    }

    /// A scalar constant at every step.
    func constant(_ value: Double) throws(QueryError) -> Matrix {
        let n = numSteps
        try ctx.checkSamples(n)
        var points = [FPoint]()
        points.reserveCapacity(n)
        var ts = start
        while ts <= end {
            points.append(FPoint(t: ts, f: value))
            ts &+= interval
        }
        ctx.currentSamples += n
        return [SeriesResult(metric: .empty, floats: points)]
    }

    /// The value of a scalar-typed result at every step (NaN where it has none).
    func scalarValues(_ mat: Matrix) -> [Double] {
        var values = [Double](repeating: .nan, count: numSteps)
        if let s = mat.first {
            for p in s.floats {
                let k = stepIndex(p.t)
                if k >= 0 && k < values.count { values[k] = p.f }
            }
        }
        return values
    }

    /// Evaluates a subquery into its inner points: the inner expression at the multiples of the
    /// subquery step that fall in `(t - offset - range, t - offset]` for the evaluated steps.
    func evalSubquery(_ sq: SubqueryExpr) async throws(QueryError) -> Matrix {
        let inner = subqueryEvaluator(sq)
        return try await inner.eval(sq.expr)
    }

    /// The nested evaluator of a subquery. The first inner step is the first multiple of the
    /// step after `start - offset - range` (Go's truncating division, as Prometheus computes it).
    func subqueryEvaluator(_ sq: SubqueryExpr) -> Evaluator {
        let offset = milliseconds(sq.offset)
        let range = milliseconds(sq.range)
        var step = milliseconds(sq.step)
        if step <= 0 { step = ctx.options.defaultSubqueryStep }
        if step <= 0 { step = 60_000 }
        let at = ctx.resolve(sq.at)
        let refStart = (at ?? start) &- offset
        let refEnd = (at ?? end) &- offset
        var innerStart = step &* ((refStart &- range) / step)
        if innerStart <= refStart &- range { innerStart &+= step }
        return Evaluator(start: innerStart, end: refEnd, interval: step, ctx: ctx)
    }
}

extension Expr {
    /// The expression without enclosing parentheses.
    var unwrapped: Expr {
        var e = self
        while case .paren(let p) = e { e = p.expr }
        return e
    }
}
