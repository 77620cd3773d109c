import StrataPromQL

/// What the frontend needs to know about a query before splitting, caching or logging it.
public enum QueryInspection {
    /// Whether the query uses an `@` modifier: with `@ start()` / `@ end()` its answer depends
    /// on the whole range, so splitting and caching by interval are skipped for every `@` form.
    /// A query that does not parse is treated as using one (it is left to the querier to reject).
    static func usesAtModifier(_ query: String) -> Bool {
        guard let expr = try? PromQL.parse(query) else { return true }
        return usesAtModifier(expr)
    }

    /// Whether `expr` or any part of it has an `@` modifier.
    static func usesAtModifier(_ expr: Expr) -> Bool {
        ExprWalk.contains(expr) {
            switch $0 {
            case .vectorSelector(let v): return v.at != nil
            case .matrixSelector(let m): return m.vectorSelector.at != nil
            case .subquery(let s): return s.at != nil
            default: return false
            }
        }
    }

    /// Every instant and range selector of `expr` (a range selector as its instant part), in
    /// no particular order.
    public static func selectors(in expr: Expr) -> [VectorSelector] {
        var out: [VectorSelector] = []
        var stack = [expr]
        while let e = stack.popLast() {
            switch e {
            case .vectorSelector(let v): out.append(v)
            case .matrixSelector(let m): out.append(m.vectorSelector)
            default: stack.append(contentsOf: ExprWalk.children(e))
            }
        }
        return out
    }
}
