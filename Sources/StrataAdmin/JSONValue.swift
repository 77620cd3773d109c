import Foundation
import StrataModel

/// A parsed JSON document with forgiving accessors: a missing member or a value of another type
/// reads as nil, so a table can print what the server sent without a Codable type per endpoint.
///
/// Parsed by hand (not `JSONSerialization`) so that booleans stay booleans on every platform,
/// object members keep the server's order, and numbers keep their text.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number with its text as written (`1700000000.5`, `12`).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A value that is missing (reads like null).
    static let missing = JSONValue.null

    /// The member `key` of an object.
    subscript(key: String) -> JSONValue {
        guard case .object(let members) = self else { return .missing }
        return members.first { $0.0 == key }?.1 ?? .missing
    }

    /// The element `index` of an array.
    subscript(index: Int) -> JSONValue {
        guard case .array(let items) = self, items.indices.contains(index) else { return .missing }
        return items[index]
    }

    /// Whether the value is null or absent.
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A string value.
    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number (a numeric string also reads as a number, as Prometheus quotes sample values).
    var double: Double? {
        switch self {
        case .number(let text): return Double(text)
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    /// An integral number.
    var int: Int? {
        if case .number(let text) = self, let i = Int(text) { return i }
        guard let d = double, d.isFinite, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int(d)
    }

    /// A boolean.
    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements of an array (empty for anything else).
    var array: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    /// The members of an object in document order (empty for anything else).
    var members: [(key: String, value: JSONValue)] {
        if case .object(let members) = self { return members.map { (key: $0.0, value: $0.1) } }
        return []
    }

    /// The value as a table cell: strings as they are, numbers as written, booleans as
    /// true/false, arrays and objects as compact JSON; empty for null.
    var cell: String {
        switch self {
        case .null: return ""
        case .string(let s): return s
        case .number(let text): return text
        case .bool(let b): return b ? "true" : "false"
        case .array, .object: return compactText
        }
    }

    /// Compact JSON text.
    var compactText: String {
        var out = ""
        write(to: &out, indent: nil, depth: 0)
        return out
    }

    /// JSON text indented by two spaces per level.
    var prettyText: String {
        var out = ""
        write(to: &out, indent: "  ", depth: 0)
        return out
    }

    private func write(to out: inout String, indent: String?, depth: Int) {
        let newline = indent == nil ? "" : "\n"
        func pad(_ d: Int) -> String { indent.map { String(repeating: $0, count: d) } ?? "" }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text): out += text
        case .string(let s): out += JSONValue.quote(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (i, item) in items.enumerated() {
                out += pad(depth + 1)
                item.write(to: &out, indent: indent, depth: depth + 1)
                out += (i + 1 < items.count ? "," : "") + newline
            }
            out += pad(depth) + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (i, (key, value)) in members.enumerated() {
                out += pad(depth + 1) + JSONValue.quote(key) + (indent == nil ? ":" : ": ")
                value.write(to: &out, indent: indent, depth: depth + 1)
                out += (i + 1 < members.count ? "," : "") + newline
            }
            out += pad(depth) + "}"
        }
    }

    /// `s` as a JSON string literal (the one quoting every module uses).
    static func quote(_ s: String) -> String { jsonQuote(s) }
}

extension JSONValue {
    /// Why a document did not parse.
    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Nesting deeper than this is refused (no answer of Strata's nests more than a few levels).
    static let maxDepth = 64

    /// Parses a whole document.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == bytes.count else { throw ParseError(description: "unexpected text after the JSON value at byte \(parser.at)") }
        return value
    }

    /// Parses a document given as text.
    static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[at]) { at += 1 }
        }

        func fail(_ why: String) -> ParseError { ParseError(description: "\(why) at byte \(at)") }

        mutating func expect(_ literal: String) throws {
            for b in literal.utf8 {
                guard at < bytes.count, bytes[at] == b else { throw fail("expected \(literal)") }
                at += 1
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < JSONValue.maxDepth else { throw fail("nesting deeper than \(JSONValue.maxDepth)") }
            guard at < bytes.count else { throw fail("unexpected end") }
            switch bytes[at] {
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                at += 1
                var items: [JSONValue] = []
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard at < bytes.count else { throw fail("unterminated array") }
                    if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                    if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "{"):
                at += 1
                var members: [(String, JSONValue)] = []
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard at < bytes.count else { throw fail("unterminated object") }
                    if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                    if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                    throw fail("expected , or }")
                }
            default:
                return .number(try number())
            }
        }

        mutating func number() throws -> String {
            let start = at
            while at < bytes.count, "+-0123456789.eE".utf8.contains(bytes[at]) { at += 1 }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            guard !text.isEmpty, Double(text) != nil else { throw fail("invalid value") }
            return text
        }

        mutating func string() throws -> String {
            at += 1 // opening quote
            var out: [UInt8] = []
            while at < bytes.count {
                let b = bytes[at]
                at += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { throw fail("unterminated escape") }
                    let e = bytes[at]
                    at += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar), at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                            at += 2
                            let low = try hex4()
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                    default: out.append(e)
                    }
                default:
                    out.append(b)
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<(at + 4)], as: UTF8.self), radix: 16) else {
                throw fail("bad \\u escape")
            }
            at += 4
            return v
        }
    }
}
