import StrataModel

/// A recursive-descent parser for PromQL with Prometheus's precedence rules.
///
/// Syntax is checked here; value types are checked afterwards by `Checker`, so that, as in
/// Prometheus, a syntax error anywhere wins over a type error.
struct Parser {
    let bytes: [UInt8]
    var tokens: [Token]
    var index = 0
    var depth = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.tokens = Lexer.tokenize(bytes)
    }

    // MARK: - Token access

    var current: Token { tokens[min(index, tokens.count - 1)] }

    func peekKind(_ offset: Int = 1) -> TokenKind {
        tokens[min(index + offset, tokens.count - 1)].kind
    }

    mutating func advance() -> Token {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func error(_ range: PositionRange, _ message: String) -> ParseError {
        ParseError(query: bytes, position: range, message: message)
    }

    /// The error for an unexpected token; a lexer error is reported as itself.
    func unexpected(_ context: String? = nil, expected: String? = nil) -> ParseError {
        let token = current
        if token.kind == .error { return error(token.range, token.text) }
        var message = "unexpected " + describe(token)
        if let context { message += " in " + context }
        if let expected { message += ", expected " + expected }
        return error(token.range, message)
    }

    func describe(_ token: Token) -> String {
        let source = String(decoding: bytes[token.start..<token.end], as: UTF8.self)
        switch token.kind {
        case .eof: return "end of input"
        case .error: return token.text
        case .identifier: return "identifier \(goQuote(source))"
        case .metricIdentifier: return "metric identifier \(goQuote(source))"
        case .number: return "number \(goQuote(source))"
        case .duration: return "duration \(goQuote(source))"
        case .string: return "string \(goQuote(source))"
        case .keyword(let k):
            if k.aggregateOp != nil { return "<aggr:\(source)>" }
            if k == .and || k == .or || k == .unless || k == .atan2 { return "<op:\(source)>" }
            return "<\(source)>"
        case .leftParen, .rightParen, .leftBrace, .rightBrace, .leftBracket, .rightBracket,
             .comma, .colon, .at, .assign:
            return goQuote(source)
        default:
            return "<op:\(source)>"
        }
    }

    mutating func expect(_ kind: TokenKind, _ context: String, expected: String? = nil) throws(ParseError) -> Token {
        guard current.kind == kind else { throw unexpected(context, expected: expected) }
        return advance()
    }

    /// Opens one level of nesting (a parenthesis, unary operator, call, aggregation, subquery
    /// bracket or binary operator) while descending, so the parser's own recursion stays within
    /// `PromQL.maxDepth` levels however the input is written.
    mutating func enter(_ range: PositionRange) throws(ParseError) {
        depth += 1
        if depth > PromQL.maxDepth { throw tooDeep(range) }
    }

    /// The error for input nested deeper than `PromQL.maxDepth`.
    func tooDeep(_ range: PositionRange) -> ParseError {
        error(range, PromQL.tooDeepMessage)
    }

    // MARK: - Expressions

    mutating func parseQuery() throws(ParseError) -> Expr {
        if current.kind == .eof { throw error(current.range, "no expression found in input") }
        let expr = try parseExpr()
        guard current.kind == .eof else { throw unexpected() }
        // Wrapping constructs parsed after their operand (subquery brackets, left-associative
        // operator chains) can make the tree deeper than the descent was: measure the tree.
        if let deep = NestingDepth.firstTooDeep(expr, limit: PromQL.maxDepth) { throw tooDeep(deep) }
        return expr
    }

    mutating func parseExpr() throws(ParseError) -> Expr {
        try parseBinary(minPrecedence: 1)
    }

    /// A unary operator, then a postfix expression.
    mutating func parseUnary() throws(ParseError) -> Expr {
        let token = current
        guard token.kind == .add || token.kind == .sub else { return try parsePostfix() }
        try enter(token.range)
        defer { depth -= 1 }
        _ = advance()
        // A unary operator binds like `*`: only `^` binds tighter.
        let operand = try parseBinary(minPrecedence: BinaryOp.pow.precedence)
        if case .number(var literal) = operand {
            if token.kind == .sub { literal.value = -literal.value }
            literal.position.start = token.start
            return .number(literal)
        }
        return .unary(UnaryExpr(op: token.kind == .sub ? .sub : .add, expr: operand,
                                position: PositionRange(start: token.start, end: operand.position.end)))
    }

    /// A primary expression followed by range/subquery brackets, `offset` and `@`.
    mutating func parsePostfix() throws(ParseError) -> Expr {
        var expr = try parsePrimary()
        // Each subquery bracket wraps the expression once more: count it as a level.
        let entered = depth
        defer { depth = entered }
        while true {
            switch current.kind {
            case .leftBracket:
                expr = try parseRangeOrSubquery(expr)
                if case .subquery = expr { try enter(expr.position) }
            case .keyword(.offset): expr = try parseOffset(expr)
            case .at: expr = try parseAt(expr)
            case .keyword(.smoothed), .keyword(.anchored):
                throw error(current.range, "the \(current.text.lowercased()) modifier is experimental and not supported")
            default: return expr
            }
        }
    }

    mutating func parsePrimary() throws(ParseError) -> Expr {
        let token = current
        switch token.kind {
        case .number, .duration:
            _ = advance()
            return .number(NumberLiteral(value: token.number, isDuration: token.kind == .duration, position: token.range))
        case .string:
            _ = advance()
            return .string(StringLiteral(value: token.text, invalidUTF8: token.invalidUTF8, position: token.range))
        case .leftParen:
            try enter(token.range)
            defer { depth -= 1 }
            _ = advance()
            let inner = try parseExpr()
            let close = try expect(.rightParen, "paren expression", expected: "\")\"")
            return .paren(ParenExpr(expr: inner, position: PositionRange(start: token.start, end: close.end)))
        case .leftBrace:
            return .vectorSelector(try parseVectorSelector(name: nil, nameRange: nil))
        case .identifier:
            if peekKind() == .leftParen { return try parseCall() }
            _ = advance()
            return .vectorSelector(try parseVectorSelector(name: token.text, nameRange: token.range))
        case .metricIdentifier:
            _ = advance()
            return .vectorSelector(try parseVectorSelector(name: token.text, nameRange: token.range))
        case .keyword(let keyword):
            // An aggregation keyword not followed by `(`, `by` or `without` is a metric name.
            if let op = keyword.aggregateOp,
               [.leftParen, .keyword(.by), .keyword(.without)].contains(peekKind()) {
                return try parseAggregation(op)
            }
            if keyword == .start || keyword == .end, peekKind() == .leftParen {
                throw error(token.range, "duration expressions are experimental and not supported: \(token.text)()")
            }
            _ = advance()
            return .vectorSelector(try parseVectorSelector(name: token.text, nameRange: token.range))
        case .eof:
            throw unexpected()
        default:
            throw unexpected()
        }
    }

    /// `name(args)`
    mutating func parseCall() throws(ParseError) -> Expr {
        let nameToken = advance()
        guard let function = PromQLFunction.all[nameToken.text] else {
            if ["step", "range", "min_of", "max_of"].contains(nameToken.text) {
                throw error(nameToken.range, "duration expressions are experimental and not supported: \(nameToken.text)()")
            }
            throw error(nameToken.range, "unknown function with name \(goQuote(nameToken.text))")
        }
        try enter(nameToken.range)
        defer { depth -= 1 }
        let (args, close) = try parseArguments(context: "function call arguments")
        return .call(Call(function: function, args: args, position: PositionRange(start: nameToken.start, end: close.end)))
    }

    /// `(expr, expr, ...)`, starting at `(`; returns the arguments and the closing parenthesis.
    mutating func parseArguments(context: String) throws(ParseError) -> ([Expr], Token) {
        _ = try expect(.leftParen, context, expected: "\"(\"")
        var args: [Expr] = []
        if current.kind == .rightParen { return (args, advance()) }
        while true {
            args.append(try parseExpr())
            if current.kind == .comma {
                _ = advance()
                if current.kind == .rightParen {
                    throw error(current.range, "trailing commas not allowed in \(context)")
                }
                continue
            }
            let close = try expect(.rightParen, context, expected: "\",\" or \")\"")
            return (args, close)
        }
    }

    /// `op by (labels) (args)` or `op (args) by (labels)`.
    mutating func parseAggregation(_ op: AggregateOp) throws(ParseError) -> Expr {
        let opToken = advance()
        try enter(opToken.range)
        defer { depth -= 1 }
        var grouping: [String] = []
        var without = false
        var haveGrouping = false
        if current.kind == .keyword(.by) || current.kind == .keyword(.without) {
            without = advance().kind == .keyword(.without)
            grouping = try parseLabelList(context: "grouping opts")
            haveGrouping = true
        }
        guard current.kind == .leftParen else { throw unexpected("aggregation", expected: "\"(\"") }
        let (args, close) = try parseArguments(context: "aggregation")
        var end = close.end
        if !haveGrouping, current.kind == .keyword(.by) || current.kind == .keyword(.without) {
            without = advance().kind == .keyword(.without)
            grouping = try parseLabelList(context: "grouping opts")
            end = tokens[max(0, index - 1)].end
        }
        let range = PositionRange(start: opToken.start, end: end)
        if args.isEmpty { throw error(range, "no arguments for aggregate expression provided") }
        let wanted = op.hasParameter ? 2 : 1
        if args.count != wanted {
            throw error(range, "wrong number of arguments for aggregate expression provided, expected \(wanted), got \(args.count)")
        }
        return .aggregate(AggregateExpr(op: op, expr: args[wanted - 1], param: op.hasParameter ? args[0] : nil,
                                        grouping: grouping, without: without, position: range))
    }

    /// `(label, "label", ...)` of `by`, `on`, `group_left`, …; a trailing comma is allowed.
    mutating func parseLabelList(context: String) throws(ParseError) -> [String] {
        _ = try expect(.leftParen, context, expected: "\"(\"")
        var labels: [String] = []
        while current.kind != .rightParen {
            let token = current
            switch token.kind {
            case .identifier, .keyword:
                labels.append(token.text)
            case .string:
                labels.append(token.text)
            case .number where token.number.isNaN || token.number.isInfinite:
                if let first = token.text.unicodeScalars.first, first.properties.isAlphabetic {
                    labels.append(token.text)
                } else {
                    throw unexpected(context, expected: "label")
                }
            default:
                throw unexpected(context, expected: "label")
            }
            _ = advance()
            if current.kind == .comma {
                _ = advance()
            } else if current.kind != .rightParen {
                throw unexpected(context, expected: "\",\" or \")\"")
            }
        }
        _ = advance()
        return labels
    }
}

