import StrataModel

/// Prometheus's `checkAST`: value-type rules for operators, aggregations and calls, run after a
/// successful parse. It also normalises vector matching as Prometheus does (dropped unless both
/// sides are instant vectors; many-to-many for set operators).
struct Checker {
    let bytes: [UInt8]

    func error(_ range: PositionRange, _ message: String) -> ParseError {
        ParseError(query: bytes, position: range, message: message)
    }

    func expectType(_ expr: Expr, _ want: ValueType, _ context: String) throws(ParseError) {
        let got = expr.type
        if got != want {
            throw error(expr.position, "expected type \(want) in \(context), got \(got)")
        }
    }

    mutating func check(_ expr: Expr) throws(ParseError) -> Expr {
        switch expr {
        case .number, .string:
            return expr
        case .vectorSelector(let vs):
            try checkSelector(vs)
            return expr
        case .matrixSelector(let ms):
            try checkSelector(ms.vectorSelector)
            return expr
        case .paren(var p):
            p.expr = try check(p.expr)
            return .paren(p)
        case .subquery(var s):
            s.expr = try check(s.expr)
            if s.expr.type != .vector {
                throw error(s.position, "subquery is only allowed on instant vector, got \(s.expr.type.internalName) instead")
            }
            return .subquery(s)
        case .unary(var u):
            u.expr = try check(u.expr)
            let t = u.expr.type
            if t != .scalar && t != .vector {
                throw error(u.position, "unary expression only allowed on expressions of type scalar or instant vector, got \(goQuote(t.description))")
            }
            return .unary(u)
        case .aggregate(var a):
            a.expr = try check(a.expr)
            if let param = a.param { a.param = try check(param) }
            try expectType(a.expr, .vector, "aggregation expression")
            if let param = a.param {
                try expectType(param, a.op == .count_values ? .string : .scalar, "aggregation parameter")
            }
            return .aggregate(a)
        case .call(var c):
            var args: [Expr] = []
            for (i, arg) in c.args.enumerated() {
                // Prometheus lets the label selector of info() match everything.
                if c.function.name == "info", i == 1, case .vectorSelector = arg {
                    args.append(arg)
                } else {
                    args.append(try check(arg))
                }
            }
            c.args = args
            try checkCall(c)
            return .call(c)
        case .binary(let b):
            return .binary(try checkBinary(b))
        }
    }

    /// A selector must have a matcher that does not match the empty string.
    func checkSelector(_ vs: VectorSelector) throws(ParseError) {
        if !vs.matchers.contains(where: { !$0.matchesEmpty }) {
            throw error(vs.position, "vector selector must contain at least one non-empty matcher")
        }
    }

    func checkCall(_ c: Call) throws(ParseError) {
        let f = c.function
        let declared = f.argTypes.count
        let name = goQuote(f.name)
        if f.variadic == 0 {
            if declared != c.args.count {
                throw error(c.position, "expected \(declared) argument(s) in call to \(name), got \(c.args.count)")
            }
        } else {
            let minimum = declared - 1
            if minimum > c.args.count {
                throw error(c.position, "expected at least \(minimum) argument(s) in call to \(name), got \(c.args.count)")
            }
            if f.variadic > 0, minimum + f.variadic < c.args.count {
                throw error(c.position, "expected at most \(minimum + f.variadic) argument(s) in call to \(name), got \(c.args.count)")
            }
        }
        for (i, arg) in c.args.enumerated() {
            var slot = i
            if slot >= declared {
                if f.variadic == 0 { break }
                slot = declared - 1
            }
            try expectType(arg, f.argTypes[slot], "call to function \(name)")
        }
    }

    mutating func checkBinary(_ input: BinaryExpr) throws(ParseError) -> BinaryExpr {
        var b = input
        b.lhs = try check(b.lhs)
        b.rhs = try check(b.rhs)
        let lt = b.lhs.type
        let rt = b.rhs.type
        let whole = PositionRange(start: b.lhs.position.start, end: b.rhs.position.end)
        let opRange = PositionRange(start: b.lhs.position.end, end: b.rhs.position.start)
        if b.returnBool && !b.op.isComparison {
            throw error(opRange, "bool modifier can only be used on comparison operators")
        }
        if b.op.isComparison && !b.returnBool && lt == .scalar && rt == .scalar {
            throw error(opRange, "comparisons between scalars must use BOOL modifier")
        }
        if var m = b.matching {
            if b.op.isSetOperator && m.cardinality == .oneToOne { m.cardinality = .manyToMany }
            if m.on {
                for label in m.matchingLabels where m.include.contains(label) {
                    throw error(opRange, "label \(goQuote(label)) must not occur in ON and GROUP clause at once")
                }
            }
            b.matching = m
        }
        if lt != .scalar && lt != .vector {
            throw error(b.lhs.position, "binary expression must contain only scalar and instant vector types")
        }
        if rt != .scalar && rt != .vector {
            throw error(b.rhs.position, "binary expression must contain only scalar and instant vector types")
        }
        if let m = b.matching {
            if lt != .vector || rt != .vector {
                if !m.matchingLabels.isEmpty || m.on || m.cardinality == .manyToOne || m.cardinality == .oneToMany {
                    throw error(whole, "vector matching only allowed between instant vectors")
                }
                b.matching = nil
            } else if b.op.isSetOperator {
                if m.cardinality == .oneToMany || m.cardinality == .manyToOne {
                    throw error(whole, "no grouping allowed for \(goQuote(b.op.rawValue)) operation")
                }
                if m.cardinality != .manyToMany {
                    throw error(whole, "set operations must always be many-to-many")
                }
            }
        }
        if (lt == .scalar || rt == .scalar) && b.op.isSetOperator {
            throw error(whole, "set operator \(goQuote(b.op.rawValue)) not allowed in binary scalar expression")
        }
        return b
    }
}
