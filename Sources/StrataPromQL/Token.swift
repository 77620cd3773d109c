/// The kinds of lexical token of PromQL.
enum TokenKind: Sendable, Equatable {
    case eof
    /// A lexical error; the message is in `Token.text`.
    case error
    case identifier
    /// An identifier containing `:` (only valid as a metric name).
    case metricIdentifier
    case number
    case duration
    case string
    case keyword(Keyword)
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
    case comma, colon, at
    /// `=` (matchers)
    case assign
    // Operators.
    case add, sub, mul, div, mod, pow
    case eqlc, neq, lss, lte, gtr, gte
    case eqlRegex, neqRegex
}

/// Words with a meaning of their own outside braces; Prometheus matches them case-insensitively.
enum Keyword: String, Sendable, CaseIterable {
    case and, or, unless, atan2
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, quantile
    case count_values, limitk, limit_ratio
    case bool, by, without, on, ignoring, group_left, group_right, offset, start, end
    case smoothed, anchored, fill, fill_left, fill_right

    /// The aggregation this keyword names, if any.
    var aggregateOp: AggregateOp? { AggregateOp(rawValue: rawValue) }
}

/// One token: its kind, where it is, and its decoded value when it has one.
struct Token: Sendable {
    var kind: TokenKind
    var start: Int
    var end: Int
    /// The token's source text (identifiers, numbers, durations), the decoded value (strings)
    /// or the message (errors).
    var text: String
    /// Numbers: the value; durations: seconds.
    var number: Double = 0
    /// Strings whose decoded bytes are not valid UTF-8 (`"\xc5"`): those bytes, since `text`
    /// holds U+FFFD in their place.
    var invalidUTF8: [UInt8]? = nil

    var range: PositionRange { PositionRange(start: start, end: end) }
}
