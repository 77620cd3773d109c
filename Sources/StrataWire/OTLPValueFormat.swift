import StrataModel

/// Text forms of OTLP values as the Prometheus translation writes them into label values.
enum OTLPValueFormat {
    /// A float as Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest digits that round-trip,
    /// never in exponent notation (`0.005`, `10`, `0.0000001`). Used for `le` and `quantile`.
    static func plain(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let text = v.description
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        // Swift chose exponent notation: expand "d.ddde±x" into plain digits.
        let mantissa = text[..<e]
        guard let exponent = Int(text[text.index(after: e)...]) else { return text }
        let negative = mantissa.hasPrefix("-")
        let unsigned = negative ? mantissa.dropFirst() : mantissa
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = parts.first.map(String.init) ?? ""
        var fracPart = parts.count > 1 ? String(parts[1]) : ""
        if fracPart == "0" { fracPart = "" }
        let digits = intPart + fracPart
        let point = intPart.count + exponent
        var out: String
        if point <= 0 {
            out = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            out = digits + String(repeating: "0", count: point - digits.count)
        } else {
            let i = digits.index(digits.startIndex, offsetBy: point)
            out = digits[..<i] + "." + digits[i...]
        }
        return negative ? "-" + out : out
    }

    /// A double attribute value as pdata's `Value.AsString` writes it (ES6 number formatting:
    /// integers without a fraction, exponent only for very small or large magnitudes).
    static func attribute(_ v: Double) -> String {
        if v.isNaN || v.isInfinite { return plain(v) }
        let magnitude = abs(v)
        if magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 { return v.description }
        return plain(v)
    }

    /// `bytes` as standard base64 with padding (pdata's rendering of a bytes value).
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var it = bytes.makeIterator()
        while let a = it.next() {
            let b = it.next()
            let c = b == nil ? nil : it.next()
            let n = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(b == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
            out.append(c == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `s` as a JSON string literal (for array and key-value-list attribute values, which pdata
    /// renders as JSON).
    static func jsonString(_ s: String) -> String { jsonQuote(s) }
}

/// An attribute value while it is being decoded: scalars are final text; arrays and key-value
/// lists are rendered as JSON, as pdata's `AsString` does.
enum OTLPAnyValue {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes(String)
    case array([OTLPAnyValue])
    case kvlist([(String, OTLPAnyValue)])
    case empty

    /// The label-value text.
    var text: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return OTLPValueFormat.attribute(d)
        case .bytes(let b64): return b64
        case .array, .kvlist: return json
        case .empty: return ""
        }
    }

    /// The value as JSON (inside arrays and lists).
    var json: String {
        switch self {
        case .string(let s): return OTLPValueFormat.jsonString(s)
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? OTLPValueFormat.attribute(d) : OTLPValueFormat.jsonString(OTLPValueFormat.plain(d))
        case .bytes(let b64): return OTLPValueFormat.jsonString(b64)
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .kvlist(let pairs):
            return "{" + pairs.map { OTLPValueFormat.jsonString($0.0) + ":" + $0.1.json }.joined(separator: ",") + "}"
        case .empty: return "null"
        }
    }
}
