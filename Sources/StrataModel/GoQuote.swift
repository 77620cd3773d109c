/// Go's `%q` quoting, which Prometheus uses for strings in error messages, in PromQL's printed
/// form and in the query API's messages; one implementation for every module.

/// Quotes `s` as Go's `%q` does (the form Prometheus uses in messages and for strings).
public func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\u{0B}": out += "\\v"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\x" + hex2(scalar.value)
            } else if scalar.value == 0xFFFD {
                out += "\u{FFFD}"
            } else if (0x80...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format
                        || scalar.properties.generalCategory == .unassigned || scalar.properties.generalCategory == .privateUse
                        || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator {
                out += scalar.value > 0xFFFF ? "\\U" + hexPad(scalar.value, 8) : "\\u" + hexPad(scalar.value, 4)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Go's `%q` of a byte string that may hold invalid UTF-8: valid runs are quoted as `goQuote`
/// does, each invalid byte as `\xNN`.
public func goQuote(bytes: [UInt8]) -> String {
    var out = "\""
    var i = 0
    while i < bytes.count {
        // Longest valid run starting at i.
        var j = i
        while j < bytes.count {
            let width = utf8SequenceLength(bytes, at: j)
            if width == 0 { break }
            j += width
        }
        if j > i {
            let quoted = goQuote(String(decoding: bytes[i..<j], as: UTF8.self))
            out += quoted.dropFirst().dropLast()
            i = j
        } else {
            out += "\\x" + hex2(UInt32(bytes[i]))
            i += 1
        }
    }
    return out + "\""
}

/// Length of the valid UTF-8 sequence at `i`, or 0 when the bytes there are not one.
private func utf8SequenceLength(_ b: [UInt8], at i: Int) -> Int {
    let c = b[i]
    let width: Int
    switch c {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: width = 2
    case 0xE0...0xEF: width = 3
    case 0xF0...0xF4: width = 4
    default: return 0
    }
    guard i + width <= b.count else { return 0 }
    return String(validating: b[i..<(i + width)], as: UTF8.self) == nil ? 0 : width
}

private func hex2(_ v: UInt32) -> String { hexPad(v, 2) }

private func hexPad(_ v: UInt32, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}
