import StrataPromQL

/// Upstream's extra check of instant evals: the query is also run with every selector and
/// subquery pinned to the eval time by an `@` modifier, at other evaluation times; a
/// step-invariant query must return the same result at all of them.
enum ConformanceAtModifier {
    /// Functions whose result depends on the evaluation time even when their arguments are
    /// pinned (upstream's `AtModifierUnsafeFunctions`): queries using them get no variants.
    static let unsafeFunctions: Set<String> = [
        "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute", "month",
        "year", "predict_linear", "time", "timestamp",
    ]

    /// The pinned query text and the times to run it at; empty when the query uses an unsafe
    /// function.
    static func variants(of expr: Expr, at time: Int64) -> [(query: String, time: Int64)] {
        var unsafe = false
        let pinned = pin(expr, at: time, unsafe: &unsafe)
        if unsafe { return [] }
        let query = PromQL.format(pinned)
        let times: [Int64] = time == 0 ? [-1000, 0, 1000] : [-10 * time, 0, time / 5, time, 10 * time]
        return times.map { (query, $0) }
    }

    /// Sets `@ time` on every selector and subquery that has no numeric `@` yet (an
    /// `@ start()`/`@ end()` is replaced, as upstream's printer prefers the timestamp). The
    /// inside of a subquery is left alone: it is pinned through the subquery, and upstream
    /// does not look for unsafe functions there either.
    static func pin(_ expr: Expr, at time: Int64, unsafe: inout Bool) -> Expr {
        switch expr {
        case .number, .string:
            return expr
        case .vectorSelector(var v):
            v.at = pinned(v.at, time)
            return .vectorSelector(v)
        case .matrixSelector(var m):
            m.vectorSelector.at = pinned(m.vectorSelector.at, time)
            return .matrixSelector(m)
        case .subquery(var s):
            s.at = pinned(s.at, time)
            return .subquery(s)
        case .paren(var p):
            p.expr = pin(p.expr, at: time, unsafe: &unsafe)
            return .paren(p)
        case .unary(var u):
            u.expr = pin(u.expr, at: time, unsafe: &unsafe)
            return .unary(u)
        case .binary(var b):
            b.lhs = pin(b.lhs, at: time, unsafe: &unsafe)
            b.rhs = pin(b.rhs, at: time, unsafe: &unsafe)
            return .binary(b)
        case .aggregate(var a):
            if let p = a.param { a.param = pin(p, at: time, unsafe: &unsafe) }
            a.expr = pin(a.expr, at: time, unsafe: &unsafe)
            return .aggregate(a)
        case .call(var c):
            if unsafeFunctions.contains(c.function.name) { unsafe = true }
            var args: [Expr] = []
            for arg in c.args { args.append(pin(arg, at: time, unsafe: &unsafe)) }
            c.args = args
            return .call(c)
        }
    }

    private static func pinned(_ at: AtModifier?, _ time: Int64) -> AtModifier {
        if case .timestamp(let t)? = at { return .timestamp(t) }
        return .timestamp(time)
    }
}
