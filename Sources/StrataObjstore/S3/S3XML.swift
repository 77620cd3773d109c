/// A minimal XML reader for S3's small, flat response documents (ListBucketResult,
/// InitiateMultipartUploadResult, CompleteMultipartUploadResult, Error).
///
/// It handles elements, text, the five named entities, numeric character references, CDATA,
/// comments, processing instructions and attributes (ignored). No DTDs: S3 never sends them,
/// and refusing them avoids entity-expansion attacks from a hostile endpoint.
struct XMLElement: Sendable, Equatable {
    var name: String
    var children: [XMLElement] = []
    var text: String = ""

    /// The first child named `name`.
    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    /// Every child named `name`.
    func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// Text of the first child named `name`.
    func value(_ name: String) -> String? { child(name)?.text }
}

enum XMLParseError: Error, Equatable {
    case malformed(String)
}

enum S3XML {
    /// Parses `bytes` into the document's root element.
    static func parse(_ bytes: [UInt8]) throws(XMLParseError) -> XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    /// Escapes text for element content.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0
        var depth = 0
        /// S3 documents nest 3 deep; the cap keeps a hostile endpoint from exhausting the stack.
        static let maxDepth = 32

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws(XMLParseError) -> XMLElement {
            // Skip a UTF-8 byte order mark.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            try skipMisc()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw .malformed("no root element") }
            let root = try element()
            try skipMisc()
            guard i == bytes.count else { throw .malformed("content after the root element") }
            return root
        }

        /// Whitespace, comments, processing instructions; DOCTYPE is refused.
        mutating func skipMisc() throws(XMLParseError) {
            while i < bytes.count {
                if isSpace(bytes[i]) { i += 1; continue }
                if starts("<?") { try skip(past: "?>"); continue }
                if starts("<!--") { try skip(past: "-->"); continue }
                if starts("<!") { throw .malformed("DTDs are not accepted") }
                return
            }
        }

        mutating func element() throws(XMLParseError) -> XMLElement {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw .malformed("elements nested deeper than \(Self.maxDepth)") }
            i += 1  // '<'
            let name = readName()
            guard !name.isEmpty else { throw .malformed("empty element name at byte \(i)") }
            // Attributes are skipped: S3 only uses them for namespaces.
            var quote: UInt8? = nil
            while i < bytes.count {
                let b = bytes[i]
                if let q = quote {
                    if b == q { quote = nil }
                } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    quote = b
                } else if b == UInt8(ascii: ">") {
                    break
                }
                i += 1
            }
            guard i < bytes.count else { throw .malformed("unterminated start tag <\(name)>") }
            var node = XMLElement(name: name)
            if bytes[i - 1] == UInt8(ascii: "/") { i += 1; return node }
            i += 1
            var text = [UInt8]()
            while true {
                guard i < bytes.count else { throw .malformed("unterminated element <\(name)>") }
                if bytes[i] != UInt8(ascii: "<") {
                    if bytes[i] == UInt8(ascii: "&") { try entity(into: &text) } else { text.append(bytes[i]); i += 1 }
                    continue
                }
                if starts("</") {
                    i += 2
                    let close = readName()
                    guard close == name else { throw .malformed("</\(close)> closes <\(name)>") }
                    while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw .malformed("unterminated end tag </\(name)>") }
                    i += 1
                    node.text = String(decoding: text, as: UTF8.self)
                    return node
                }
                if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    try skip(past: "]]>")
                    text += bytes[start..<(i - 3)]
                    continue
                }
                if starts("<!--") { try skip(past: "-->"); continue }
                if starts("<?") { try skip(past: "?>"); continue }
                node.children.append(try element())
            }
        }

        mutating func entity(into text: inout [UInt8]) throws(XMLParseError) {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ";"), i - start < 12 { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: ";") else { throw .malformed("unterminated entity at byte \(start)") }
            let name = String(decoding: bytes[(start + 1)..<i], as: UTF8.self)
            i += 1
            switch name {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                let scalarValue: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    scalarValue = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    scalarValue = UInt32(name.dropFirst(1))
                } else {
                    scalarValue = nil
                }
                guard let v = scalarValue, let scalar = Unicode.Scalar(v) else { throw .malformed("unknown entity &\(name);") }
                text += Array(String(Character(scalar)).utf8)
            }
        }

        mutating func readName() -> String {
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                if isSpace(b) || b == UInt8(ascii: ">") || b == UInt8(ascii: "/") { break }
                i += 1
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            return s.withUTF8Buffer { buf in
                for k in 0..<n where bytes[i + k] != buf[k] { return false }
                return true
            }
        }

        mutating func skip(past terminator: StaticString) throws(XMLParseError) {
            while i < bytes.count {
                if starts(terminator) { i += terminator.utf8CodeUnitCount; return }
                i += 1
            }
            throw .malformed("unterminated construct, expected \(terminator)")
        }

        func isSpace(_ b: UInt8) -> Bool {
            b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
        }
    }
}
