import StrataModel
import StrataPromQL

/// Structural helpers over the PromQL AST for the sharding rewrite.
///
/// Every walk recurses once per nesting level of the tree; the trees come from `PromQL.parse`,
/// which refuses anything nested deeper than `PromQL.maxDepth`, plus merge templates a few
/// levels deep, so the recursion is bounded.
enum ExprWalk {
    /// The direct children of `expr`, in source order (an aggregation's parameter first).
    static func children(_ expr: Expr) -> [Expr] {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector: return []
        case .subquery(let s): return [s.expr]
        case .paren(let p): return [p.expr]
        case .unary(let u): return [u.expr]
        case .binary(let b): return [b.lhs, b.rhs]
        case .aggregate(let a): return a.param.map { [$0, a.expr] } ?? [a.expr]
        case .call(let c): return c.args
        }
    }

    /// Whether any node of `expr` satisfies `test` (iterative, so it needs no depth bound).
    static func contains(_ expr: Expr, where test: (Expr) -> Bool) -> Bool {
        var stack = [expr]
        while let e = stack.popLast() {
            if test(e) { return true }
            stack.append(contentsOf: children(e))
        }
        return false
    }

    /// Whether `expr` reads storage anywhere (an instant or range selector).
    static func readsStorage(_ expr: Expr) -> Bool {
        contains(expr) {
            switch $0 {
            case .vectorSelector, .matrixSelector: return true
            default: return false
            }
        }
    }

    /// Whether any selector or subquery of `expr` has an `@` modifier.
    static func hasAtModifier(_ expr: Expr) -> Bool {
        contains(expr) {
            switch $0 {
            case .vectorSelector(let vs): return vs.at != nil
            case .matrixSelector(let ms): return ms.vectorSelector.at != nil
            case .subquery(let sq): return sq.at != nil
            default: return false
            }
        }
    }

    /// Whether `expr` uses a function or aggregation Prometheus keeps behind
    /// `promql-experimental-functions`.
    static func usesExperimental(_ expr: Expr) -> Bool {
        contains(expr) {
            switch $0 {
            case .call(let c): return c.function.experimental
            case .aggregate(let a): return a.op == .limitk || a.op == .limit_ratio
            default: return false
            }
        }
    }

    /// How deeply `expr` nests, counted as `PromQL.maxDepth` counts it (leaves are 0).
    static func depth(_ expr: Expr) -> Int {
        var deepest = 0
        var stack: [(Expr, Int)] = [(expr, 0)]
        while let (e, level) = stack.popLast() {
            let kids = children(e)
            if kids.isEmpty { continue }
            deepest = max(deepest, level + 1)
            for k in kids { stack.append((k, level + 1)) }
        }
        return deepest
    }

    /// `expr` with `body` applied to every vector selector, including those inside range
    /// selectors and subqueries.
    static func mapSelectors(_ expr: Expr, _ body: (inout VectorSelector) -> Void) -> Expr {
        switch expr {
        case .number, .string:
            return expr
        case .vectorSelector(var vs):
            body(&vs)
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            body(&ms.vectorSelector)
            return .matrixSelector(ms)
        case .subquery(var s):
            s.expr = mapSelectors(s.expr, body)
            return .subquery(s)
        case .paren(var p):
            p.expr = mapSelectors(p.expr, body)
            return .paren(p)
        case .unary(var u):
            u.expr = mapSelectors(u.expr, body)
            return .unary(u)
        case .binary(var b):
            b.lhs = mapSelectors(b.lhs, body)
            b.rhs = mapSelectors(b.rhs, body)
            return .binary(b)
        case .aggregate(var a):
            a.param = a.param.map { mapSelectors($0, body) }
            a.expr = mapSelectors(a.expr, body)
            return .aggregate(a)
        case .call(var c):
            c.args = c.args.map { mapSelectors($0, body) }
            return .call(c)
        }
    }

    /// `expr` with every source position set to `position`, so that annotations about nodes the
    /// rewrite built point at the part of the user's query they replace.
    static func relocate(_ expr: Expr, to position: PositionRange) -> Expr {
        switch expr {
        case .number(var n):
            n.position = position
            return .number(n)
        case .string(var s):
            s.position = position
            return .string(s)
        case .vectorSelector(var vs):
            vs.position = position
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            ms.position = position
            ms.vectorSelector.position = position
            return .matrixSelector(ms)
        case .subquery(var s):
            s.position = position
            s.expr = relocate(s.expr, to: position)
            return .subquery(s)
        case .paren(var p):
            p.position = position
            p.expr = relocate(p.expr, to: position)
            return .paren(p)
        case .unary(var u):
            u.position = position
            u.expr = relocate(u.expr, to: position)
            return .unary(u)
        case .binary(var b):
            b.lhs = relocate(b.lhs, to: position)
            b.rhs = relocate(b.rhs, to: position)
            return .binary(b)
        case .aggregate(var a):
            a.position = position
            a.param = a.param.map { relocate($0, to: position) }
            a.expr = relocate(a.expr, to: position)
            return .aggregate(a)
        case .call(var c):
            c.position = position
            c.args = c.args.map { relocate($0, to: position) }
            return .call(c)
        }
    }

    /// `expr` with every aggregation's grouping replaced (for merge templates, whose
    /// aggregations all group as the sharded aggregation's merge must).
    static func regroup(_ expr: Expr, grouping: [String], without: Bool) -> Expr {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector:
            return expr
        case .subquery(var s):
            s.expr = regroup(s.expr, grouping: grouping, without: without)
            return .subquery(s)
        case .paren(var p):
            p.expr = regroup(p.expr, grouping: grouping, without: without)
            return .paren(p)
        case .unary(var u):
            u.expr = regroup(u.expr, grouping: grouping, without: without)
            return .unary(u)
        case .binary(var b):
            b.lhs = regroup(b.lhs, grouping: grouping, without: without)
            b.rhs = regroup(b.rhs, grouping: grouping, without: without)
            return .binary(b)
        case .aggregate(var a):
            a.grouping = grouping
            a.without = without
            a.expr = regroup(a.expr, grouping: grouping, without: without)
            return .aggregate(a)
        case .call(var c):
            c.args = c.args.map { regroup($0, grouping: grouping, without: without) }
            return .call(c)
        }
    }

    /// The expression inside any number of parentheses.
    static func unwrapped(_ expr: Expr) -> Expr {
        var e = expr
        while case .paren(let p) = e { e = p.expr }
        return e
    }
}
