import StrataModel

/// Parses series descriptions: `metric{label="value", …} <values>` with the expanding value
/// notation of promqltest (`1 2+3x4 _ _x2 stale -Inf {{schema:1 …}}x3`).
///
/// Expansion follows upstream's grammar: `a+bxN` and `a-bxN` give N+1 values stepping by b,
/// `axN` repeats a N+1 times, `_xN` gives N missing values, `stale` is a staleness marker.
/// Native histograms (also `{{…}}xN` and `{{…}}+{{…}}xN`) are read by `ConformanceHistogramParser`.
enum ConformanceSeriesParser {
    /// Parses one series line (already trimmed).
    static func parse(_ line: Substring) throws(ConformanceScriptError) -> ConformanceSeries {
        var cursor = ConformanceCursor(line)
        let labels = try parseMetric(&cursor)
        guard cursor.atEnd || cursor.peekIsSpace else {
            throw cursor.error("expected a space between the series and its values")
        }
        cursor.skipSpaces()
        let values = try parseValues(&cursor)
        return ConformanceSeries(labels: labels, values: values)
    }

    /// `name`, `name{…}` or `{…}`.
    static func parseMetric(_ c: inout ConformanceCursor) throws(ConformanceScriptError) -> Labels {
        var labels: [Label] = []
        if let name = c.identifier() { labels.append(Label(name: metricNameLabel, value: name)) }
        if c.peek == "{" {
            c.advance()
            while true {
                c.skipSpaces()
                if c.peek == "}" { c.advance(); break }
                let name: String
                var quotedName = false
                if let id = c.identifier() {
                    name = id
                } else if let q = c.quoted() {
                    name = q
                    quotedName = true
                } else {
                    throw c.error("expected a label name")
                }
                c.skipSpaces()
                if quotedName, c.peek == "," || c.peek == "}" {
                    // `{"metric.name", …}`: a lone quoted string is the metric name.
                    labels.append(Label(name: metricNameLabel, value: name))
                } else {
                    guard c.peek == "=" else { throw c.error("expected \"=\" after label \(name)") }
                    c.advance()
                    c.skipSpaces()
                    guard let value = c.quoted() else { throw c.error("expected a quoted label value for \(name)") }
                    labels.append(Label(name: name, value: value))
                }
                c.skipSpaces()
                if c.peek == "," { c.advance(); continue }
                guard c.peek == "}" else { throw c.error("expected \",\" or \"}\" in label set") }
                c.advance()
                break
            }
        } else if labels.isEmpty {
            throw c.error("expected a metric name or label set")
        }
        return Labels(labels)
    }

    /// The space-separated value items up to the end of the line.
    static func parseValues(_ c: inout ConformanceCursor) throws(ConformanceScriptError) -> [ConformanceValue] {
        var values: [ConformanceValue] = []
        while !c.atEnd {
            if c.hasPrefix("{{") {
                values.append(contentsOf: try ConformanceHistogramParser.parseItem(&c).map(ConformanceValue.histogram))
            } else {
                let item = c.word()
                try expand(item, into: &values, c)
            }
            guard c.atEnd || c.peekIsSpace else { throw c.error("unexpected text after a value") }
            c.skipSpaces()
        }
        return values
    }

    /// Expands one float item (`_`, `_x3`, `1`, `1x3`, `1+2x3`, `-1-2x3`, `stale`).
    static func expand(_ item: Substring, into values: inout [ConformanceValue], _ c: ConformanceCursor) throws(ConformanceScriptError) {
        if item == "_" { values.append(.omitted); return }
        if item.hasPrefix("_x") {
            guard let n = Int(item.dropFirst(2)), n >= 0 else { throw c.error("bad repetition in \(item)") }
            values.append(contentsOf: repeatElement(.omitted, count: n))
            return
        }
        var rest = item
        guard let base = leadingValue(&rest) else { throw c.error("invalid series value \"\(item)\"") }
        if rest.isEmpty { values.append(.float(base)); return }
        var delta = 0.0
        if rest.first == "+" || rest.first == "-" {
            let negative = rest.first == "-"
            rest = rest.dropFirst()
            guard let d = leadingNumber(&rest) else { throw c.error("invalid increment in \"\(item)\"") }
            delta = negative ? -d : d
        }
        guard rest.first == "x", let n = Int(rest.dropFirst()), n >= 0 else {
            throw c.error("invalid series value \"\(item)\"")
        }
        values.reserveCapacity(values.count + n + 1)
        var v = base
        for _ in 0...n {
            values.append(.float(v))
            v += delta
        }
    }

    /// `stale`, or an optionally signed number, cut from the front of `s`.
    private static func leadingValue(_ s: inout Substring) -> Double? {
        if s.hasPrefix("stale") {
            s = s.dropFirst(5)
            return StaleNaN.value
        }
        var sign = 1.0
        if s.first == "+" || s.first == "-" {
            sign = s.first == "-" ? -1 : 1
            s = s.dropFirst()
        }
        guard let n = leadingNumber(&s) else { return nil }
        return sign * n
    }

    /// An unsigned decimal number, `Inf` or `NaN` cut from the front of `s` (hexadecimal is not
    /// accepted in series values upstream, since `0x10` means "0, ten more times").
    private static func leadingNumber(_ s: inout Substring) -> Double? {
        let lower = s.lowercased()
        for word in ["infinity", "inf", "nan"] where lower.hasPrefix(word) {
            s = s.dropFirst(word.count)
            return word == "nan" ? .nan : .infinity
        }
        var end = s.startIndex
        var sawDigit = false
        while end < s.endIndex, s[end].isASCII, s[end].isNumber || s[end] == "." {
            if s[end].isNumber { sawDigit = true }
            end = s.index(after: end)
        }
        guard sawDigit else { return nil }
        if end < s.endIndex, s[end] == "e" || s[end] == "E" {
            var e = s.index(after: end)
            if e < s.endIndex, s[e] == "+" || s[e] == "-" { e = s.index(after: e) }
            let digitsStart = e
            while e < s.endIndex, s[e].isASCII, s[e].isNumber { e = s.index(after: e) }
            if e > digitsStart { end = e }
        }
        guard let v = Double(s[s.startIndex..<end]) else { return nil }
        s = s[end...]
        return v
    }
}

/// A position in one line of a script, with the small lexing helpers the parsers need.
struct ConformanceCursor {
    let text: Substring
    private(set) var index: Substring.Index

    init(_ text: Substring) {
        self.text = text
        index = text.startIndex
    }

    var atEnd: Bool { index >= text.endIndex }
    var peek: Character? { atEnd ? nil : text[index] }
    var peekIsSpace: Bool { peek == " " || peek == "\t" }
    var remaining: Substring { text[index...] }

    mutating func advance() { if !atEnd { index = text.index(after: index) } }
    mutating func skipSpaces() { while peekIsSpace { advance() } }
    func hasPrefix(_ p: String) -> Bool { remaining.hasPrefix(p) }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, or nil without moving.
    mutating func identifier() -> String? {
        guard let f = peek, f.isASCII, f.isLetter || f == "_" || f == ":" else { return nil }
        let start = index
        while let ch = peek, ch.isASCII, ch.isLetter || ch.isNumber || ch == "_" || ch == ":" { advance() }
        return String(text[start..<index])
    }

    /// A quoted string (`"…"`, `'…'` or `` `…` ``) decoded, or nil without moving.
    mutating func quoted() -> String? {
        guard let q = peek, q == "\"" || q == "'" || q == "`" else { return nil }
        let start = index
        advance()
        while let ch = peek, ch != q {
            if ch == "\\" && q != "`" { advance() }
            advance()
        }
        guard peek == q else { index = start; return nil }
        advance()
        guard let s = ConformanceLiterals.unquote(text[start..<index]) else { index = start; return nil }
        return s
    }

    /// Everything up to the next space or tab.
    mutating func word() -> Substring {
        let start = index
        while let ch = peek, ch != " ", ch != "\t" { advance() }
        return text[start..<index]
    }

    /// Decimal digits as an Int.
    mutating func unsigned() -> Int? {
        let start = index
        while let ch = peek, ch.isASCII, ch.isNumber { advance() }
        return Int(text[start..<index])
    }

    /// Skips one `{{ … }}` histogram description.
    mutating func skipHistogram() throws(ConformanceScriptError) {
        guard hasPrefix("{{") else { throw error("expected \"{{\"") }
        advance(); advance()
        while !atEnd, !hasPrefix("}}") { advance() }
        guard hasPrefix("}}") else { throw error("unterminated histogram \"{{\"") }
        advance(); advance()
    }

    func error(_ message: String) -> ConformanceScriptError {
        ConformanceScriptError(line: 0, message: "\(message) in \"\(text)\"")
    }
}
