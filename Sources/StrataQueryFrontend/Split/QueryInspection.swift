import StrataPromQL

/// What the frontend needs to know about a query before splitting or caching it.
enum QueryInspection {
    /// Whether the query uses an `@` modifier: with `@ start()` / `@ end()` its answer depends
    /// on the whole range, so splitting and caching by interval are skipped for every `@` form.
    /// A query that does not parse is treated as using one (it is left to the querier to reject).
    static func usesAtModifier(_ query: String) -> Bool {
        guard let expr = try? PromQL.parse(query) else { return true }
        return usesAtModifier(expr)
    }

    /// Whether `expr` or any part of it has an `@` modifier.
    static func usesAtModifier(_ expr: Expr) -> Bool {
        var found = false
        var stack: [Expr] = [expr]
        // An explicit stack: the parser bounds depth, but walking without recursion costs nothing.
        while let e = stack.popLast(), !found {
            switch e {
            case .number, .string: break
            case .vectorSelector(let v): found = v.at != nil
            case .matrixSelector(let m): found = m.vectorSelector.at != nil
            case .subquery(let s):
                found = s.at != nil
                stack.append(s.expr)
            case .paren(let p): stack.append(p.expr)
            case .unary(let u): stack.append(u.expr)
            case .binary(let b): stack.append(contentsOf: [b.lhs, b.rhs])
            case .aggregate(let a):
                stack.append(a.expr)
                if let p = a.param { stack.append(p) }
            case .call(let c): stack.append(contentsOf: c.args)
            }
        }
        return found
    }
}
