import StrataModel

extension Parser {
    /// The label matchers after a metric name (optional) or on their own (starting at `{`).
    mutating func parseVectorSelector(name: String?, nameRange: PositionRange?) throws(ParseError) -> VectorSelector {
        var metricName = name
        var matchers: [LabelMatcher] = []
        var start = nameRange?.start ?? current.start
        var end = nameRange?.end ?? current.end
        if current.kind == .leftBrace {
            let open = advance()
            start = nameRange?.start ?? open.start
            var parsed: [(matcher: LabelMatcher, range: PositionRange)] = []
            while current.kind != .rightBrace {
                let first = current
                switch first.kind {
                case .identifier, .string:
                    _ = advance()
                    let opToken = current
                    if first.kind == .string, opToken.kind == .comma || opToken.kind == .rightBrace {
                        // Prometheus 3: a lone quoted string is the metric name.
                        if let existing = metricName {
                            throw error(first.range, "metric name must not be set twice: \(goQuote(existing)) or \(goQuote(first.text))")
                        }
                        metricName = first.text
                        if opToken.kind == .comma { _ = advance() }
                        continue
                    }
                    let type: MatchType
                    switch opToken.kind {
                    case .assign: type = .equal
                    case .neq: type = .notEqual
                    case .eqlRegex: type = .regexMatch
                    case .neqRegex: type = .regexNoMatch
                    default:
                        throw unexpected("label matching", expected: "label matching operator")
                    }
                    _ = advance()
                    let value = current
                    guard value.kind == .string else { throw unexpected("label matching", expected: "string") }
                    _ = advance()
                    let range = PositionRange(start: first.start, end: value.end)
                    do {
                        parsed.append((try LabelMatcher(type, first.text, value.text), range))
                    } catch {
                        throw self.error(value.range, "\(error)")
                    }
                default:
                    throw unexpected("label matching", expected: "identifier or \"}\"")
                }
                if current.kind == .comma {
                    _ = advance()
                } else if current.kind != .rightBrace {
                    throw unexpected("label matching", expected: "\",\" or \"}\"")
                }
            }
            end = advance().end
            if let metricName {
                for (m, range) in parsed where m.name == "__name__" {
                    // Prometheus compares the explicit name with the `__name__` matcher's value.
                    throw error(range, "metric name must not be set twice: \(goQuote(metricName)) or \(goQuote(m.value))")
                }
            }
            matchers = parsed.map(\.matcher)
        }
        if let metricName {
            do {
                matchers.insert(try LabelMatcher(.equal, "__name__", metricName), at: 0)
            } catch {
                throw self.error(PositionRange(start: start, end: end), "\(error)")
            }
        }
        let range = PositionRange(start: start, end: end)
        return VectorSelector(name: metricName, matchers: matchers, offset: .zero, at: nil, position: range)
    }

    /// `[range]` after a vector selector, or `[range:step]` / `[range:]` after any expression.
    mutating func parseRangeOrSubquery(_ expr: Expr) throws(ParseError) -> Expr {
        let open = advance()
        let range = try parseDurationLiteral(context: "range", allowSign: false)
        if current.kind == .rightBracket {
            let close = advance()
            guard case .vectorSelector(let vs) = expr else {
                throw error(PositionRange(start: expr.position.start, end: close.end), "ranges only allowed for vector selectors")
            }
            if vs.offset != .zero {
                throw error(PositionRange(start: expr.position.start, end: close.end), "no offset modifiers allowed before range")
            }
            if vs.at != nil {
                throw error(PositionRange(start: expr.position.start, end: close.end), "no @ modifiers allowed before range")
            }
            if range <= .zero {
                throw error(PositionRange(start: open.end, end: close.start), "duration must be greater than 0")
            }
            return .matrixSelector(MatrixSelector(vectorSelector: vs, range: range,
                                                  position: PositionRange(start: vs.position.start, end: close.end)))
        }
        guard current.kind == .colon else {
            if isDurationArithmetic(current.kind) {
                throw error(current.range, "duration expressions are experimental and not supported")
            }
            throw unexpected("subquery or range", expected: "\":\" or \"]\"")
        }
        _ = advance()
        var step = Duration.zero
        if current.kind != .rightBracket {
            step = try parseDurationLiteral(context: "subquery step", allowSign: false)
        }
        guard current.kind == .rightBracket else {
            if isDurationArithmetic(current.kind) {
                throw error(current.range, "duration expressions are experimental and not supported")
            }
            throw unexpected("subquery selector", expected: "\"]\"")
        }
        let close = advance()
        if range <= .zero {
            throw error(PositionRange(start: open.end, end: close.start), "duration must be greater than 0")
        }
        return .subquery(SubqueryExpr(expr: expr, range: range, step: step, offset: .zero, at: nil,
                                      position: PositionRange(start: expr.position.start, end: close.end)))
    }

    func isDurationArithmetic(_ kind: TokenKind) -> Bool {
        switch kind {
        case .add, .sub, .mul, .div, .mod, .pow, .leftParen: return true
        default: return false
        }
    }

    /// A number (seconds) or duration literal, with an optional sign when `allowSign`.
    mutating func parseDurationLiteral(context: String, allowSign: Bool) throws(ParseError) -> Duration {
        var negative = false
        let start = current
        if allowSign, current.kind == .sub || current.kind == .add {
            negative = advance().kind == .sub
        }
        let token = current
        switch token.kind {
        case .number, .duration:
            _ = advance()
            let seconds = negative ? -token.number : token.number
            let ms = (seconds * 1000).rounded()
            guard ms.isFinite, abs(ms) < 9.2e15 else {
                throw error(PositionRange(start: start.start, end: token.end), "duration out of range")
            }
            return .milliseconds(Int64(ms))
        case .leftParen, .identifier, .sub, .add:
            throw error(token.range, "duration expressions are experimental and not supported")
        default:
            throw unexpected(context, expected: "number or duration")
        }
    }

    /// `offset [-]duration` after a selector or subquery.
    mutating func parseOffset(_ expr: Expr) throws(ParseError) -> Expr {
        let keyword = advance()
        let offset = try parseDurationLiteral(context: "offset", allowSign: true)
        let range = PositionRange(start: expr.position.start, end: tokens[max(0, index - 1)].end)
        switch expr {
        case .vectorSelector(var vs):
            if vs.offset != .zero { throw error(keyword.range, "offset may not be set multiple times") }
            vs.offset = offset
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            if ms.vectorSelector.offset != .zero { throw error(keyword.range, "offset may not be set multiple times") }
            ms.vectorSelector.offset = offset
            return .matrixSelector(ms)
        case .subquery(var sq):
            if sq.offset != .zero { throw error(keyword.range, "offset may not be set multiple times") }
            sq.offset = offset
            return .subquery(sq)
        default:
            throw error(range, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        }
    }

    /// `@ timestamp`, `@ start()`, `@ end()` after a selector or subquery.
    mutating func parseAt(_ expr: Expr) throws(ParseError) -> Expr {
        let atToken = advance()
        let at: AtModifier
        switch current.kind {
        case .keyword(.start), .keyword(.end):
            let word = advance()
            _ = try expect(.leftParen, "@ modifier", expected: "\"(\"")
            _ = try expect(.rightParen, "@ modifier", expected: "\")\"")
            at = word.kind == .keyword(.start) ? .start : .end
        default:
            var negative = false
            if current.kind == .sub || current.kind == .add { negative = advance().kind == .sub }
            let token = current
            guard token.kind == .number || token.kind == .duration else {
                if token.kind == .leftParen || token.kind == .identifier {
                    throw error(token.range, "duration expressions are experimental and not supported")
                }
                throw unexpected("@", expected: "timestamp")
            }
            _ = advance()
            let seconds = negative ? -token.number : token.number
            let ms = (seconds * 1000).rounded()
            guard ms.isFinite, abs(ms) < 9.2e18 else {
                throw error(token.range, "timestamp out of bounds for @ modifier: \(formatNumber(seconds))")
            }
            at = .timestamp(Int64(ms))
        }
        let range = PositionRange(start: expr.position.start, end: tokens[max(0, index - 1)].end)
        switch expr {
        case .vectorSelector(var vs):
            if vs.at != nil { throw error(atToken.range, "@ <timestamp> may not be set multiple times") }
            vs.at = at
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            if ms.vectorSelector.at != nil { throw error(atToken.range, "@ <timestamp> may not be set multiple times") }
            ms.vectorSelector.at = at
            return .matrixSelector(ms)
        case .subquery(var sq):
            if sq.at != nil { throw error(atToken.range, "@ <timestamp> may not be set multiple times") }
            sq.at = at
            return .subquery(sq)
        default:
            throw error(range, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        }
    }
}
