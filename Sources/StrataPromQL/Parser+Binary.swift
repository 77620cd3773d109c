extension Parser {
    /// The binary operator `kind` stands for, if any.
    func binaryOp(_ kind: TokenKind) -> BinaryOp? {
        switch kind {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        case .eqlc: return .eql
        case .neq: return .neq
        case .lte: return .lte
        case .lss: return .lss
        case .gte: return .gte
        case .gtr: return .gtr
        case .keyword(.atan2): return .atan2
        case .keyword(.and): return .and
        case .keyword(.or): return .or
        case .keyword(.unless): return .unless
        default: return nil
        }
    }

    /// Precedence climbing: operators binding at least as tightly as `minPrecedence`.
    mutating func parseBinary(minPrecedence: Int) throws(ParseError) -> Expr {
        // Not a level itself: every way back here (parenthesis, call, aggregation, unary
        // operator, right-hand side of an operator) has entered one.
        var lhs = try parseUnary()
        var chain = 0
        while let op = binaryOp(current.kind), op.precedence >= minPrecedence {
            let opToken = advance()
            if op == .lss || op == .gtr, current.kind == .div, current.start == opToken.end {
                throw error(PositionRange(start: opToken.start, end: current.end),
                            "the native histogram trim operators </ and >/ are experimental and not supported")
            }
            chain += 1
            if depth + chain > PromQL.maxDepth {
                throw tooDeep(opToken.range)
            }
            var returnBool = false
            if current.kind == .keyword(.bool) {
                _ = advance()
                returnBool = true
            }
            var matching = VectorMatching(cardinality: .oneToOne, on: false, matchingLabels: [], include: [])
            if current.kind == .keyword(.on) || current.kind == .keyword(.ignoring) {
                matching.on = advance().kind == .keyword(.on)
                matching.matchingLabels = try parseLabelList(context: "grouping opts")
                if current.kind == .keyword(.group_left) || current.kind == .keyword(.group_right) {
                    matching.cardinality = advance().kind == .keyword(.group_left) ? .manyToOne : .oneToMany
                    if current.kind == .leftParen {
                        matching.include = try parseLabelList(context: "grouping opts")
                    }
                }
            }
            switch current.kind {
            case .keyword(.group_left), .keyword(.group_right):
                throw unexpected("binary expression", expected: "\"on\" or \"ignoring\" before it")
            case .keyword(.fill), .keyword(.fill_left), .keyword(.fill_right):
                throw error(current.range, "the \(current.text.lowercased()) modifier is experimental and not supported")
            default: break
            }
            let next = op.isRightAssociative ? op.precedence : op.precedence + 1
            depth += chain
            let rhs: Expr
            do {
                rhs = try parseBinary(minPrecedence: next)
            } catch {
                depth -= chain
                throw error
            }
            depth -= chain
            lhs = .binary(BinaryExpr(op: op, lhs: lhs, rhs: rhs, returnBool: returnBool, matching: matching))
        }
        return lhs
    }
}
