/// Measures how deeply an expression tree nests, without recursion, so that the parser can
/// refuse a tree deeper than `PromQL.maxDepth` before any recursive pass walks it.
enum NestingDepth {
    /// The position of the first node found nested more than `limit` levels deep, or nil when
    /// the whole tree is within the limit. Leaves (literals and selectors) are level zero;
    /// every other node is one level above its deepest child.
    static func firstTooDeep(_ root: Expr, limit: Int) -> PositionRange? {
        var stack: [(expr: Expr, level: Int)] = [(root, 0)]
        while let (expr, above) = stack.popLast() {
            let children: [Expr]
            switch expr {
            case .number, .string, .vectorSelector, .matrixSelector:
                continue
            case .paren(let p): children = [p.expr]
            case .unary(let u): children = [u.expr]
            case .subquery(let s): children = [s.expr]
            case .binary(let b): children = [b.lhs, b.rhs]
            case .aggregate(let a): children = a.param.map { [$0, a.expr] } ?? [a.expr]
            case .call(let c): children = c.args
            }
            let level = above + 1
            if level > limit { return expr.position }
            for child in children { stack.append((child, level)) }
        }
        return nil
    }
}
