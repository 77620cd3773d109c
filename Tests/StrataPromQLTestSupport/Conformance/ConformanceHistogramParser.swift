import StrataModel

/// A native histogram value of a script, as upstream's series-description parser builds it.
struct ConformanceHistogram: Sendable, Equatable, CustomStringConvertible {
    /// The histogram (always float counts, as upstream's parser produces).
    var h: FloatHistogram
    /// Whether the description wrote `counter_reset_hint:` (upstream compares the hint of an
    /// expected histogram only then).
    var hintSet: Bool

    static func == (a: Self, b: Self) -> Bool { a.hintSet == b.hintSet && a.h.isIdentical(to: b.h) }

    var description: String { ConformanceHistogramFormat.describe(h) }
}

/// Reads `{{schema:… count:… sum:… z_bucket:… z_bucket_w:… buckets:[…] offset:… n_buckets:[…]
/// n_offset:… counter_reset_hint:… custom_values:[…]}}` as upstream's grammar does
/// (`histogram_desc` in promql/parser/generated_parser.y, `buildHistogramFromMap`): each bucket
/// list becomes one span starting at its offset; a key given twice keeps its first value.
enum ConformanceHistogramParser {
    /// Parses one description at the cursor (which must be at `{{`).
    static func parse(_ c: inout ConformanceCursor) throws(ConformanceScriptError) -> ConformanceHistogram {
        guard c.hasPrefix("{{") else { throw c.error("expected \"{{\"") }
        c.advance(); c.advance()
        var h = FloatHistogram()
        var seen = Set<String>()
        var hintSet = false
        var positive: [Double] = [], negative: [Double] = []
        var offset: Int32 = 0, nOffset: Int32 = 0
        while true {
            c.skipSpaces()
            if c.hasPrefix("}}") { c.advance(); c.advance(); break }
            guard let key = c.histogramKey() else { throw c.error("expected a histogram field name") }
            guard c.peek == ":" else { throw c.error("expected \":\" after histogram field \(key)") }
            c.advance()
            let first = seen.insert(key).inserted
            switch key {
            case "buckets", "n_buckets", "custom_values":
                let list = try floatList(&c)
                guard first else { continue }
                if key == "buckets" { positive = list } else if key == "n_buckets" { negative = list } else { h.customValues = list }
            case "counter_reset_hint":
                guard let word = c.histogramKey() else { throw c.error("expected a counter reset hint") }
                let hint: CounterResetHint
                switch word {
                case "unknown": hint = .unknown
                case "reset": hint = .counterReset
                case "not_reset": hint = .notCounterReset
                case "gauge": hint = .gauge
                default: throw c.error("unknown counter reset hint \(word)")
                }
                guard first else { continue }
                h.counterResetHint = hint
                hintSet = true
            case "schema", "offset", "n_offset":
                let word = c.histogramWord()
                guard let v = Int32(word.hasPrefix("+") ? word.dropFirst() : word) else {
                    throw c.error("invalid integer \"\(word)\" for histogram field \(key)")
                }
                guard first else { continue }
                if key == "schema" { h.schema = v } else if key == "offset" { offset = v } else { nOffset = v }
            case "sum", "count", "z_bucket", "z_bucket_w":
                let word = c.histogramWord()
                guard let v = number(word) else { throw c.error("invalid number \"\(word)\" for histogram field \(key)") }
                guard first else { continue }
                switch key {
                case "sum": h.sum = v
                case "count": h.count = v
                case "z_bucket": h.zeroCount = v
                default: h.zeroThreshold = v
                }
            default:
                throw c.error("unknown histogram field \(key)")
            }
        }
        h.positiveBuckets = positive
        h.positiveSpans = positive.isEmpty ? [] : [HistogramSpan(offset: offset, length: UInt32(positive.count))]
        h.negativeBuckets = negative
        h.negativeSpans = negative.isEmpty ? [] : [HistogramSpan(offset: nOffset, length: UInt32(negative.count))]
        return ConformanceHistogram(h: h, hintSet: hintSet)
    }

    /// `[1 2 3]`.
    private static func floatList(_ c: inout ConformanceCursor) throws(ConformanceScriptError) -> [Double] {
        guard c.peek == "[" else { throw c.error("expected \"[\"") }
        c.advance()
        var out: [Double] = []
        while true {
            c.skipSpaces()
            if c.peek == "]" { c.advance(); return out }
            let word = c.histogramWord()
            guard let v = number(word) else { throw c.error("invalid number \"\(word)\" in a bucket list") }
            out.append(v)
        }
    }

    /// A signed decimal number, `Inf` or `NaN`, as upstream's lexer reads them in histograms.
    static func number(_ word: Substring) -> Double? {
        var s = word
        var sign = 1.0
        if s.first == "+" || s.first == "-" {
            sign = s.first == "-" ? -1 : 1
            s = s.dropFirst()
        }
        switch s.lowercased() {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
              let v = Double(s) else { return nil }
        return sign * v
    }

    /// The values of `{{a}}`, `{{a}}xN`, `{{a}}+{{b}}xN` and `{{a}}-{{b}}xN` at the cursor.
    static func parseItem(_ c: inout ConformanceCursor) throws(ConformanceScriptError) -> [ConformanceHistogram] {
        let base = try parse(&c)
        if c.peek == "+" || c.peek == "-" {
            let add = c.peek == "+"
            c.advance()
            let inc = try parse(&c)
            guard c.peek == "x" else { throw c.error("expected \"x\" after histogram increment") }
            c.advance()
            guard let n = c.unsigned() else { throw c.error("expected a repetition count") }
            // The hint flag is the increment's, as upstream (it was built last).
            var out = [ConformanceHistogram(h: base.h, hintSet: inc.hintSet)]
            var current = base.h
            for _ in 0..<n {
                if current.schema > inc.h.schema {
                    throw c.error("cannot combine histograms: the increment's schema \(inc.h.schema) is below \(current.schema)")
                }
                current = try ConformanceHistogramCombine.combine(current, inc.h, add: add, c)
                out.append(ConformanceHistogram(h: current, hintSet: inc.hintSet))
            }
            return out
        }
        var count = 1
        if c.peek == "x" {
            c.advance()
            guard let n = c.unsigned() else { throw c.error("expected a repetition count") }
            count = n + 1
        }
        return Array(repeating: base, count: count)
    }
}

extension ConformanceCursor {
    /// `[a-zA-Z_][a-zA-Z0-9_]*` (a histogram field name or hint; unlike a metric name, no `:`).
    mutating func histogramKey() -> String? {
        guard let f = peek, f.isASCII, f.isLetter || f == "_" else { return nil }
        let start = index
        while let ch = peek, ch.isASCII, ch.isLetter || ch.isNumber || ch == "_" { advance() }
        return String(text[start..<index])
    }

    /// Everything up to the next space, `]` or `}` (a value inside a histogram description).
    mutating func histogramWord() -> Substring {
        let start = index
        while let ch = peek, ch != " ", ch != "\t", ch != "]", ch != "}" { advance() }
        return text[start..<index]
    }
}
