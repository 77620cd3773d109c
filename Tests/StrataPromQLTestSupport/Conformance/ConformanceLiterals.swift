/// Parsers for the literals of the promqltest language: durations, numbers and quoted strings.
///
/// They follow the Go functions upstream uses (`model.ParseDuration`, `strconv.ParseInt` /
/// `ParseFloat`, `strconv.Unquote`) closely enough for every construct the corpus contains.
enum ConformanceLiterals {
    /// A Prometheus duration (`1h30m`, `10s53ms`, `0`) in milliseconds; units must appear in
    /// the order y, w, d, h, m, s, ms, each at most once. A plain integer counts as seconds.
    static func duration(_ text: Substring) -> Int64? {
        let s = Array(text.utf8)
        guard !s.isEmpty else { return nil }
        if s.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard let n = Int64(String(text)) else { return nil }
            return n.multipliedReportingOverflow(by: 1000).overflow ? nil : n * 1000
        }
        let units: [(String, Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1000), ("ms", 1),
        ]
        var i = 0, total: Int64 = 0, nextUnit = 0
        while i < s.count {
            var n: Int64 = 0
            let digitsStart = i
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(s[i] - 48))
                guard !o1, !o2 else { return nil }
                n = a
                i += 1
            }
            guard i > digitsStart else { return nil }
            var unitEnd = i
            while unitEnd < s.count, !(s[unitEnd] >= 48 && s[unitEnd] <= 57) { unitEnd += 1 }
            let unit = String(decoding: s[i..<unitEnd], as: UTF8.self)
            guard let index = units.firstIndex(where: { $0.0 == unit }), index >= nextUnit else { return nil }
            let (v, o) = n.multipliedReportingOverflow(by: units[index].1)
            guard !o else { return nil }
            total += v
            nextUnit = index + 1
            i = unitEnd
        }
        return total
    }

    /// A whole line as a number, as upstream's `parseNumber`: an integer in Go base-0 syntax
    /// (`0x1f`, `0o17`, `0b11`, `017` octal), else a Go float (`1e3`, `Inf`, `-inf`, `NaN`).
    static func number(_ text: Substring) -> Double? {
        if let i = goInteger(text) { return Double(i) }
        return goFloat(text)
    }

    private static func goInteger(_ text: Substring) -> Int64? {
        var s = text
        var negative = false
        if let f = s.first, f == "+" || f == "-" {
            negative = f == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty else { return nil }
        var radix = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if s.count > 1, s.first == "0" { radix = 8; s = s.dropFirst() }
        guard !s.isEmpty, let magnitude = Int64(s, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// A Go `strconv.ParseFloat` number: decimal with optional exponent, `Inf`/`Infinity`/`NaN`
    /// in any case, optionally signed.
    static func goFloat(_ text: Substring) -> Double? {
        var s = text
        var sign = 1.0
        if let f = s.first, f == "+" || f == "-" {
            sign = f == "-" ? -1 : 1
            s = s.dropFirst()
        }
        switch s.lowercased() {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard let first = s.first, first.isASCII, first.isNumber || first == "." else { return nil }
        guard s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
              let v = Double(s)
        else { return nil }
        return sign * v
    }

    /// A Go `strconv.Unquote`: `"…"` with escapes, `` `…` `` raw, or `'…'`.
    static func unquote(_ text: Substring) -> String? {
        guard let q = text.first, text.count >= 2, text.last == q, q == "\"" || q == "'" || q == "`" else { return nil }
        let body = text.dropFirst().dropLast()
        if q == "`" { return body.contains("`") ? nil : String(body) }
        var bytes: [UInt8] = []
        var it = Array(body.utf8)[...]
        let quote: UInt8 = q == "\"" ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        while let b = it.popFirst() {
            if b == quote { return nil }
            guard b == UInt8(ascii: "\\") else { bytes.append(b); continue }
            guard let e = it.popFirst() else { return nil }
            switch e {
            case UInt8(ascii: "n"): bytes.append(10)
            case UInt8(ascii: "t"): bytes.append(9)
            case UInt8(ascii: "r"): bytes.append(13)
            case UInt8(ascii: "a"): bytes.append(7)
            case UInt8(ascii: "b"): bytes.append(8)
            case UInt8(ascii: "f"): bytes.append(12)
            case UInt8(ascii: "v"): bytes.append(11)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): bytes.append(e)
            case UInt8(ascii: "x"):
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                it = it.dropFirst(2)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "u") ? 4 : 8
                guard it.count >= n, let v = UInt32(String(decoding: it.prefix(n), as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(v)
                else { return nil }
                bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                it = it.dropFirst(n)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard it.count >= 2, let v = UInt8(String(decoding: [e] + it.prefix(2), as: UTF8.self), radix: 8) else { return nil }
                bytes.append(v)
                it = it.dropFirst(2)
            default: return nil
            }
        }
        // Invalid UTF-8 (from `\x` escapes) is repaired, as Swift strings must be valid.
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Text forms used in failure messages.
enum ConformanceFormat {
    /// A float as Prometheus test output shows it (`+Inf`, `NaN`, `stale`, `1.5`).
    static func float(_ f: Double) -> String {
        if f.isNaN { return "NaN" }
        if f == .infinity { return "+Inf" }
        if f == -.infinity { return "-Inf" }
        if f == f.rounded(), abs(f) < 1e15 { return String(Int64(f)) }
        return "\(f)"
    }

    /// Milliseconds as seconds, e.g. `300s` or `1.5s`.
    static func time(_ ms: Int64) -> String {
        ms % 1000 == 0 ? "\(ms / 1000)s" : "\(Double(ms) / 1000)s"
    }
}
