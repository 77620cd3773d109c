/// A half-open range of UTF-8 byte offsets `[start, end)` into the query text.
public struct PositionRange: Sendable, Hashable {
    /// Offset of the first byte.
    public var start: Int
    /// Offset one past the last byte.
    public var end: Int

    /// Creates a range.
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}

/// Why a query could not be parsed, with the place in the query.
///
/// `description` reads like Prometheus's: `1:9: parse error: unexpected character inside braces: '~'`.
public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is, in UTF-8 byte offsets.
    public let position: PositionRange
    /// 1-based line of `position.start`.
    public let line: Int
    /// 1-based column (in bytes) of `position.start` on its line.
    public let column: Int
    /// The message without the position prefix.
    public let message: String

    /// Builds an error for `query`, computing line and column from `position.start`.
    public init(query: [UInt8], position: PositionRange, message: String) {
        let start = max(0, min(position.start, query.count))
        var line = 1
        var lastBreak = -1
        var i = 0
        while i < start {
            if query[i] == UInt8(ascii: "\n") {
                line += 1
                lastBreak = i
            }
            i += 1
        }
        self.position = PositionRange(start: start, end: max(start, min(position.end, query.count)))
        self.line = line
        self.column = start - lastBreak
        self.message = message
    }

    /// `line:column: parse error: message`.
    public var description: String { "\(line):\(column): parse error: \(message)" }
}
