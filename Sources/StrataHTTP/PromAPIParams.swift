import Hummingbird
import NIOCore

/// The parameters of a Prometheus API request: the URL query merged with an
/// `application/x-www-form-urlencoded` POST body, as Go's `Request.ParseForm` merges them.
///
/// Body values come first, so a single-valued parameter given in both places takes the body's
/// value (Go's `FormValue`), and a repeated one (`match[]`) lists the body's values first.
struct PromAPIParams: Sendable {
    private var pairs: [(name: String, value: String)] = []

    /// Form bodies larger than this are refused: they are a few selectors, not data.
    static let maxBodySize = 8 << 20

    /// Parameters of a raw query string (no leading `?`).
    init(query: String?) {
        if let query { pairs = Self.decodeForm(Substring(query)) }
    }

    /// Parameters of `request`: its URL query, plus its body when it is a form POST.
    static func read(_ request: Request) async throws(PromAPIError) -> PromAPIParams {
        var params = PromAPIParams(query: request.uri.query)
        guard request.method == .post else { return params }
        let contentType = request.header("content-type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else { return params }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodySize)
        } catch {
            throw PromAPIError(.badData, "error parsing form values: http: POST too large")
        }
        let text = String(buffer: body)
        params.pairs = decodeForm(Substring(text)) + params.pairs
        return params
    }

    /// The first value of `name`, or "" (Go's `FormValue`).
    func value(_ name: String) -> String {
        for p in pairs where p.name == name { return p.value }
        return ""
    }

    /// Every value of `name`, body values first (Go's `Form[name]`).
    func values(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }

    /// Decodes `a=1&b=x+y&c=%2F`; pairs with a malformed escape are skipped, as Go skips them.
    static func decodeForm(_ text: Substring) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            // Go refuses pairs with a semicolon since 1.17.
            if part.contains(";") { continue }
            let eq = part.firstIndex(of: "=")
            let rawName = eq.map { part[..<$0] } ?? part
            let rawValue = eq.map { part[part.index(after: $0)...] } ?? ""
            guard let name = unescape(rawName), let value = unescape(rawValue) else { continue }
            out.append((name, value))
        }
        return out
    }

    /// Percent-decoding with `+` as space; nil on a malformed escape.
    static func unescape(_ s: Substring) -> String? {
        if !s.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) { return String(s) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            default: bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-decoding of a path segment (`+` stays a plus); nil on a malformed escape.
    static func unescapePath(_ s: Substring) -> String? {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return String(s) }
        return unescape(Substring(s.replacingOccurrences(of: "+", with: "%2B")))
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Substring {
    fileprivate func replacingOccurrences(of target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
