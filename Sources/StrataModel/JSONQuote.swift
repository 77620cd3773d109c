/// JSON string quoting (RFC 8259), for the hand-written JSON of logs and query statistics; one
/// implementation for every module.

/// `s` as a JSON string literal: quotes, backslashes and control characters escaped, everything
/// else as it is (UTF-8 output is valid JSON).
public func jsonQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
