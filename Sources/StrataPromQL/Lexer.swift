/// Turns a query into tokens, scanning UTF-8 bytes.
///
/// Like Prometheus's lexer it knows whether it is inside braces (`{...}`), where keywords are plain
/// label names and only matchers, strings and commas may appear. Lexing stops at the first error,
/// which becomes an `.error` token so the parser reports it where it reaches it.
struct Lexer {
    let bytes: [UInt8]
    private var pos = 0
    private var braceOpen = false
    private var bracketDepth = 0
    private var parenDepth = 0
    private(set) var tokens: [Token] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Lexes the whole input; the last token is `.eof` or `.error`.
    static func tokenize(_ bytes: [UInt8]) -> [Token] {
        var lexer = Lexer(bytes)
        lexer.run()
        return lexer.tokens
    }

    private mutating func run() {
        while true {
            skipSpaceAndComments()
            if pos >= bytes.count {
                if braceOpen {
                    emitError(at: pos, "unexpected end of input inside braces")
                } else if parenDepth > 0 {
                    emitError(at: pos, "unclosed left parenthesis")
                } else if bracketDepth > 0 {
                    emitError(at: pos, "unclosed left bracket")
                } else {
                    tokens.append(Token(kind: .eof, start: pos, end: pos, text: ""))
                }
                return
            }
            let ok = braceOpen ? lexInsideBraces() : lexStatement()
            if !ok { return }
        }
    }

    private mutating func skipSpaceAndComments() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
                pos += 1
            } else if c == UInt8(ascii: "#") {
                while pos < bytes.count && bytes[pos] != 0x0A { pos += 1 }
            } else {
                return
            }
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let i = pos + offset
        return i < bytes.count ? bytes[i] : nil
    }

    private mutating func emit(_ kind: TokenKind, from start: Int, text: String = "", number: Double = 0) {
        tokens.append(Token(kind: kind, start: start, end: pos, text: text, number: number))
    }

    /// Emits a string token, keeping the raw bytes when they are not valid UTF-8.
    private mutating func emitString(from start: Int, bytes out: [UInt8]) {
        var token = Token(kind: .string, start: start, end: pos, text: String(decoding: out, as: UTF8.self))
        if String(validating: out, as: UTF8.self) == nil { token.invalidUTF8 = out }
        tokens.append(token)
    }

    private mutating func emitError(at start: Int, _ message: String) {
        tokens.append(Token(kind: .error, start: start, end: max(start, pos), text: message))
    }

    /// The character starting at `pos`, for messages, quoted like Go's `%q` of a rune.
    private func quotedChar(at i: Int) -> String {
        let end = min(bytes.count, i + utf8Length(bytes[i]))
        let s = String(decoding: bytes[i..<end], as: UTF8.self)
        if s == "'" { return "'\\''" }
        if s == "\\" { return "'\\\\'" }
        return "'" + s + "'"
    }

    private func utf8Length(_ lead: UInt8) -> Int {
        if lead < 0x80 { return 1 }
        if lead >> 5 == 0b110 { return 2 }
        if lead >> 4 == 0b1110 { return 3 }
        if lead >> 3 == 0b11110 { return 4 }
        return 1
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    // MARK: - Statements

    private mutating func lexStatement() -> Bool {
        let start = pos
        let c = bytes[pos]
        switch c {
        case UInt8(ascii: ","): pos += 1; emit(.comma, from: start)
        case UInt8(ascii: "("): pos += 1; parenDepth += 1; emit(.leftParen, from: start)
        case UInt8(ascii: ")"):
            if parenDepth == 0 {
                emitError(at: start, "unexpected right parenthesis ')'")
                return false
            }
            pos += 1
            parenDepth -= 1
            emit(.rightParen, from: start)
        case UInt8(ascii: "["): pos += 1; bracketDepth += 1; emit(.leftBracket, from: start)
        case UInt8(ascii: "]"):
            if bracketDepth == 0 {
                emitError(at: start, "unexpected right bracket ']'")
                return false
            }
            pos += 1
            bracketDepth -= 1
            emit(.rightBracket, from: start)
        case UInt8(ascii: "{"): pos += 1; braceOpen = true; emit(.leftBrace, from: start)
        case UInt8(ascii: "}"):
            emitError(at: start, "unexpected right brace '}'")
            return false
        case UInt8(ascii: ":") where bracketDepth > 0:
            // Outside brackets a colon starts a metric name (`:job:rate5m`).
            pos += 1; emit(.colon, from: start)
        case UInt8(ascii: "@"): pos += 1; emit(.at, from: start)
        case UInt8(ascii: "+"): pos += 1; emit(.add, from: start)
        case UInt8(ascii: "-"): pos += 1; emit(.sub, from: start)
        case UInt8(ascii: "*"): pos += 1; emit(.mul, from: start)
        case UInt8(ascii: "/"): pos += 1; emit(.div, from: start)
        case UInt8(ascii: "%"): pos += 1; emit(.mod, from: start)
        case UInt8(ascii: "^"): pos += 1; emit(.pow, from: start)
        case UInt8(ascii: "="):
            pos += 1
            if peek() == UInt8(ascii: "=") {
                pos += 1; emit(.eqlc, from: start)
            } else if peek() == UInt8(ascii: "~") {
                pos += 1; emit(.eqlRegex, from: start)
            } else {
                emit(.assign, from: start)
            }
        case UInt8(ascii: "!"):
            pos += 1
            if peek() == UInt8(ascii: "=") {
                pos += 1; emit(.neq, from: start)
            } else if peek() == UInt8(ascii: "~") {
                pos += 1; emit(.neqRegex, from: start)
            } else if pos < bytes.count {
                emitError(at: start, "unexpected character after '!': \(quotedChar(at: pos))")
                return false
            } else {
                emitError(at: start, "unexpected end of input after '!'")
                return false
            }
        case UInt8(ascii: "<"):
            pos += 1
            if peek() == UInt8(ascii: "=") { pos += 1; emit(.lte, from: start) } else { emit(.lss, from: start) }
        case UInt8(ascii: ">"):
            pos += 1
            if peek() == UInt8(ascii: "=") { pos += 1; emit(.gte, from: start) } else { emit(.gtr, from: start) }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return lexString(quote: c)
        case UInt8(ascii: "`"):
            return lexRawString()
        default:
            if isDigit(c) || (c == UInt8(ascii: ".") && peek(1).map(isDigit) == true) {
                return lexNumberOrDuration()
            }
            if isAlpha(c) || c == UInt8(ascii: ":") {
                return lexIdentifierOrKeyword()
            }
            emitError(at: start, "unexpected character: \(quotedChar(at: pos))")
            return false
        }
        return true
    }

    private mutating func lexIdentifierOrKeyword() -> Bool {
        let start = pos
        var hasColon = false
        while pos < bytes.count {
            let c = bytes[pos]
            if isAlphaNumeric(c) { pos += 1 } else if c == UInt8(ascii: ":") { hasColon = true; pos += 1 } else { break }
        }
        let word = text(start, pos)
        if hasColon {
            emit(.metricIdentifier, from: start, text: word)
            return true
        }
        let lower = word.lowercased()
        if lower == "inf" || lower == "nan" {
            emit(.number, from: start, text: word, number: lower == "inf" ? .infinity : .nan)
        } else if let keyword = Keyword(rawValue: lower) {
            emit(.keyword(keyword), from: start, text: word)
        } else {
            emit(.identifier, from: start, text: word)
        }
        return true
    }

    private mutating func lexNumberOrDuration() -> Bool {
        let start = pos
        // Hexadecimal.
        if bytes[pos] == UInt8(ascii: "0"), let x = peek(1), x | 0x20 == UInt8(ascii: "x"),
           let h = peek(2), isHex(h) {
            pos += 2
            while pos < bytes.count && isHex(bytes[pos]) { pos += 1 }
            if pos < bytes.count && (isAlphaNumeric(bytes[pos]) || bytes[pos] == UInt8(ascii: ".")) {
                return badNumber(start)
            }
            var value: Double = 0
            for b in bytes[(start + 2)..<pos] { value = value * 16 + Double(hexValue(b)) }
            emit(.number, from: start, text: text(start, pos), number: value)
            return true
        }
        var integerOnly = true
        while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        if peek() == UInt8(ascii: ".") {
            integerOnly = false
            pos += 1
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        if let e = peek(), e | 0x20 == UInt8(ascii: "e") {
            var look = pos + 1
            if look < bytes.count && (bytes[look] == UInt8(ascii: "+") || bytes[look] == UInt8(ascii: "-")) { look += 1 }
            if look < bytes.count && isDigit(bytes[look]) {
                integerOnly = false
                pos = look
                while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
            }
        }
        if pos < bytes.count && (isAlpha(bytes[pos]) || bytes[pos] == UInt8(ascii: ".")) {
            if integerOnly, let seconds = scanDurationRest(start) {
                emit(.duration, from: start, text: text(start, pos), number: seconds)
                return true
            }
            return badNumber(start)
        }
        let literal = text(start, pos)
        guard let value = Double(literal) else { return badNumber(start) }
        emit(.number, from: start, text: literal, number: value)
        return true
    }

    /// From `start` (digits), scans `(digits unit)+` with units in decreasing order; on success
    /// moves `pos` past it and returns the total in seconds.
    private mutating func scanDurationRest(_ start: Int) -> Double? {
        var i = start
        var totalMs: Double = 0
        var lastRank = 0
        while i < bytes.count && isDigit(bytes[i]) {
            var n: Double = 0
            while i < bytes.count && isDigit(bytes[i]) {
                n = n * 10 + Double(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard i < bytes.count else { return nil }
            let (rank, ms, len): (Int, Double, Int)
            switch bytes[i] {
            case UInt8(ascii: "y"): (rank, ms, len) = (1, 365 * 86_400_000, 1)
            case UInt8(ascii: "w"): (rank, ms, len) = (2, 7 * 86_400_000, 1)
            case UInt8(ascii: "d"): (rank, ms, len) = (3, 86_400_000, 1)
            case UInt8(ascii: "h"): (rank, ms, len) = (4, 3_600_000, 1)
            case UInt8(ascii: "m"):
                if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "s") {
                    (rank, ms, len) = (7, 1, 2)
                } else {
                    (rank, ms, len) = (5, 60_000, 1)
                }
            case UInt8(ascii: "s"): (rank, ms, len) = (6, 1000, 1)
            default: return nil
            }
            if rank <= lastRank { return nil }
            lastRank = rank
            totalMs += n * ms
            i += len
        }
        if i < bytes.count && (isAlphaNumeric(bytes[i]) || bytes[i] == UInt8(ascii: ".")) { return nil }
        // Prometheus's model.Duration is int64 nanoseconds.
        if totalMs > 9_223_372_036_854 { return nil }
        pos = i
        return totalMs / 1000
    }

    private mutating func badNumber(_ start: Int) -> Bool {
        while pos < bytes.count && (isAlphaNumeric(bytes[pos]) || bytes[pos] == UInt8(ascii: ".")) { pos += 1 }
        emitError(at: start, "bad number or duration syntax: \"\(text(start, pos))\"")
        return false
    }

    // MARK: - Strings

    private mutating func lexString(quote: UInt8) -> Bool {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else {
                emitError(at: start, "unterminated quoted string")
                return false
            }
            let c = bytes[pos]
            if c == quote {
                pos += 1
                emitString(from: start, bytes: out)
                return true
            }
            if c == 0x0A {
                emitError(at: start, "unterminated quoted string")
                return false
            }
            if c == UInt8(ascii: "\\") {
                pos += 1
                guard pos < bytes.count else {
                    emitError(at: start, "escape sequence not terminated")
                    return false
                }
                if !lexEscape(quote: quote, into: &out) { return false }
                continue
            }
            out.append(c)
            pos += 1
        }
    }

    /// Decodes one escape; `pos` is just after the backslash.
    private mutating func lexEscape(quote: UInt8, into out: inout [UInt8]) -> Bool {
        let escStart = pos - 1
        let c = bytes[pos]
        var digits = 0
        var base: UInt32 = 0
        var maxValue: UInt32 = 0
        switch c {
        case UInt8(ascii: "a"): out.append(0x07); pos += 1; return true
        case UInt8(ascii: "b"): out.append(0x08); pos += 1; return true
        case UInt8(ascii: "f"): out.append(0x0C); pos += 1; return true
        case UInt8(ascii: "n"): out.append(0x0A); pos += 1; return true
        case UInt8(ascii: "r"): out.append(0x0D); pos += 1; return true
        case UInt8(ascii: "t"): out.append(0x09); pos += 1; return true
        case UInt8(ascii: "v"): out.append(0x0B); pos += 1; return true
        case UInt8(ascii: "\\"): out.append(c); pos += 1; return true
        case quote: out.append(c); pos += 1; return true
        case UInt8(ascii: "0")...UInt8(ascii: "7"): (digits, base, maxValue) = (3, 8, 255)
        case UInt8(ascii: "x"): (digits, base, maxValue) = (2, 16, 255); pos += 1
        case UInt8(ascii: "u"): (digits, base, maxValue) = (4, 16, 0x10FFFF); pos += 1
        case UInt8(ascii: "U"): (digits, base, maxValue) = (8, 16, 0x10FFFF); pos += 1
        default:
            emitError(at: escStart, "unknown escape sequence \(quotedChar(at: pos))")
            return false
        }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard pos < bytes.count else {
                emitError(at: escStart, "escape sequence not terminated")
                return false
            }
            let d = bytes[pos]
            let v: UInt32
            if isDigit(d) { v = UInt32(d - UInt8(ascii: "0")) } else if isHex(d) { v = UInt32(hexValue(d)) } else { v = 99 }
            if v >= base {
                emitError(at: escStart, "illegal character \(quotedChar(at: pos)) in escape sequence")
                return false
            }
            value = value * base + v
            pos += 1
        }
        if value > maxValue || (base == 16 && digits >= 4 && (0xD800...0xDFFF).contains(value)) {
            emitError(at: escStart, "escape sequence is an invalid Unicode code point")
            return false
        }
        if digits >= 4 {
            // Validated above, so the scalar exists.
            if let scalar = Unicode.Scalar(value) { out.append(contentsOf: Array(String(Character(scalar)).utf8)) }
        } else {
            out.append(UInt8(value))
        }
        return true
    }

    private mutating func lexRawString() -> Bool {
        let start = pos
        pos += 1
        while pos < bytes.count && bytes[pos] != UInt8(ascii: "`") { pos += 1 }
        guard pos < bytes.count else {
            emitError(at: start, "unterminated raw string")
            return false
        }
        let value = text(start + 1, pos)
        pos += 1
        emit(.string, from: start, text: value)
        return true
    }

    // MARK: - Inside braces

    private mutating func lexInsideBraces() -> Bool {
        let start = pos
        let c = bytes[pos]
        switch c {
        case UInt8(ascii: ","): pos += 1; emit(.comma, from: start)
        case UInt8(ascii: "}"): pos += 1; braceOpen = false; emit(.rightBrace, from: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return lexString(quote: c)
        case UInt8(ascii: "`"): return lexRawString()
        case UInt8(ascii: "="):
            pos += 1
            if peek() == UInt8(ascii: "~") { pos += 1; emit(.eqlRegex, from: start) } else { emit(.assign, from: start) }
        case UInt8(ascii: "!"):
            pos += 1
            if peek() == UInt8(ascii: "~") {
                pos += 1; emit(.neqRegex, from: start)
            } else if peek() == UInt8(ascii: "=") {
                pos += 1; emit(.neq, from: start)
            } else if pos < bytes.count {
                emitError(at: start, "unexpected character after '!' inside braces: \(quotedChar(at: pos))")
                return false
            } else {
                emitError(at: pos, "unexpected end of input inside braces")
                return false
            }
        case UInt8(ascii: "{"):
            emitError(at: start, "unexpected left brace '{'")
            return false
        default:
            if isAlpha(c) {
                while pos < bytes.count && isAlphaNumeric(bytes[pos]) { pos += 1 }
                emit(.identifier, from: start, text: text(start, pos))
                return true
            }
            emitError(at: start, "unexpected character inside braces: \(quotedChar(at: pos))")
            return false
        }
        return true
    }
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F }
@inline(__always) func isAlphaNumeric(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) }
@inline(__always) func isHex(_ c: UInt8) -> Bool { isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) }
@inline(__always) func hexValue(_ c: UInt8) -> UInt8 { isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
