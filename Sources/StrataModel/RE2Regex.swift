import CRE2

/// A regex that RE2 refused, worded as Go's `regexp/syntax` words it, so that a client sees the
/// text Prometheus (whose regexes are Go's) gives: ``error parsing regexp: missing closing ): `(a` ``.
public struct RegexSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Go's `syntax.ErrorCode` text, e.g. `missing closing )`.
    public let code: String
    /// The part of the pattern the error is about, as Go reports it.
    public let expression: String

    /// Go's `syntax.Error.Error()`.
    public var description: String { "error parsing regexp: \(code): `\(expression)`" }

    /// Go's text for RE2's `RE2::ErrorCode` values; RE2 and Go's `regexp/syntax` share their
    /// parser's design, so each code has a Go counterpart reporting the same fragment.
    static func goCode(forRE2Code code: Int32) -> String {
        switch code {
        case 2: return "invalid escape sequence"
        case 3: return "invalid character class"
        case 4: return "invalid character class range"
        case 5: return "missing closing ]"
        case 6: return "missing closing )"
        case 7: return "unexpected )"
        case 8: return "trailing backslash at end of expression"
        case 9: return "missing argument to repetition operator"
        case 10: return "invalid repeat count"
        case 11: return "invalid nested repetition operator"
        case 12: return "invalid or unsupported Perl syntax"
        case 13: return "invalid UTF-8"
        case 14: return "invalid named capture"
        case 15: return "expression too large"
        default: return "regexp/syntax: internal error"
        }
    }
}

/// A compiled RE2 regex: matching takes time linear in the input whatever the pattern (no
/// backtracking), as Go's `regexp`, which Prometheus uses.
///
/// Build one through ``RegexCache`` (``RE2Regex/matcher(_:)``, ``RE2Regex/labelReplace(_:)``) so
/// that a pattern seen at every query step is compiled once. RE2's matching methods are const and
/// thread-safe, and the object is never mutated after `init`, hence `@unchecked Sendable`.
public final class RE2Regex: @unchecked Sendable {
    private let handle: OpaquePointer
    /// How a match is anchored: matchers anchor at both ends, `label_replace` searches (its
    /// pattern carries `^...$` itself, as in Prometheus).
    let anchor: Int32
    /// The number of capturing groups, not counting the whole match.
    public let captureCount: Int
    /// The named capturing groups in group-number order (a name may repeat, as Go allows).
    public let namedGroups: [(index: Int, name: String)]
    /// What this regex costs in memory, for ``RegexCache``'s byte budget.
    let estimatedBytes: Int

    /// Fixed cost of one compiled regex (the RE2 object, its `Prog`, byte map, first DFA states):
    /// measured 2.8-6.9 KB with `mallinfo2` over small patterns.
    static let baseBytes = 4096
    /// Cost per program instruction (the instruction, its share of the DFA/NFA work space):
    /// measured 72-79 B for `x{1000}` and `.{1000}`.
    static let bytesPerInstruction = 128

    /// Compiles `source` as RE2 source text; `dotNL` sets the `s` flag for the whole pattern.
    /// `shown` is the pattern as the user wrote it, for the error text.
    init(source: String, dotNL: Bool, anchor: Int32, shown: String) throws(RegexSyntaxError) {
        let compiled: OpaquePointer? = source.utf8.withContiguousStorageIfAvailable { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                strata_re2_new(chars.baseAddress, chars.count, dotNL ? STRATA_RE2_DOT_NL : 0)
            }
        } ?? {
            var copy = source
            return copy.withUTF8 { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    strata_re2_new(chars.baseAddress, chars.count, dotNL ? STRATA_RE2_DOT_NL : 0)
                }
            }
        }()
        guard let compiled else {
            throw RegexSyntaxError(code: RegexSyntaxError.goCode(forRE2Code: 15), expression: shown)
        }
        let code = strata_re2_error_code(compiled)
        guard code == 0 else {
            var length = 0
            let arg = strata_re2_error_arg(compiled, &length)
            var expression = arg.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
            // RE2 names the whole pattern for unbalanced parentheses; show the user's pattern,
            // not the rewritten or wrapped source.
            if expression == source { expression = shown }
            strata_re2_free(compiled)
            throw RegexSyntaxError(code: RegexSyntaxError.goCode(forRE2Code: code), expression: expression)
        }
        handle = compiled
        self.anchor = anchor
        captureCount = Int(strata_re2_capture_count(compiled))
        var names: [(index: Int, name: String)] = []
        let named = strata_re2_named_group_count(compiled)
        if named > 0 {
            for i in 0..<named {
                var pointer: UnsafePointer<CChar>?
                var length = 0
                let index = strata_re2_named_group(compiled, i, &pointer, &length)
                guard index >= 0, let pointer else { continue }
                names.append((Int(index), String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)))
            }
        }
        namedGroups = names
        let instructions = max(0, Int(strata_re2_program_size(compiled)))
        estimatedBytes = Self.baseBytes &+ 2 &* source.utf8.count &+ instructions &* Self.bytesPerInstruction
    }

    deinit { strata_re2_free(handle) }

    /// The regex of a label matcher: `pattern` must match the whole value, `.` matches `\n`;
    /// Prometheus 3 compiles `^(?s:pattern)$` after checking `pattern` alone. From the shared cache.
    public static func matcher(_ pattern: String) throws(RegexSyntaxError) -> RE2Regex {
        try RegexCache.shared.regex(pattern, flavor: .matcher)
    }

    /// The regex of `label_replace`: Prometheus compiles `^(?s:pattern)$` and searches with it.
    /// From the shared cache.
    public static func labelReplace(_ pattern: String) throws(RegexSyntaxError) -> RE2Regex {
        try RegexCache.shared.regex(pattern, flavor: .labelReplace)
    }

    /// True when `value` matches (entirely, for a matcher).
    public func matches(_ value: String) -> Bool {
        let handle = self.handle
        let anchor = self.anchor
        if let hit = value.utf8.withContiguousStorageIfAvailable({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { strata_re2_match(handle, $0.baseAddress, $0.count, anchor) }
        }) {
            return hit != 0
        }
        var copy = value
        return copy.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { strata_re2_match(handle, $0.baseAddress, $0.count, anchor) }
        } != 0
    }

    /// The byte ranges in `value.utf8` of the whole match (index 0) and of the first `count - 1`
    /// capturing groups (nil for a group that took no part; all groups when `count` is nil), or
    /// nil when `value` does not match. The leftmost match with Perl's (Go's) preference among
    /// alternatives, as Go's `FindStringSubmatchIndex`. Fewer groups are found faster; with
    /// `count` 0 only whether it matches is decided (RE2's DFA alone) and the array is empty.
    public func groups(in value: String, count wanted: Int? = nil) -> [Range<Int>?]? {
        let count = min(max(0, wanted ?? captureCount &+ 1), captureCount &+ 1)
        if count == 0 { return matches(value) ? [] : nil }
        // RE2 decides "no match" with its DFA alone when no group is asked for, while finding
        // groups first runs a slower engine: 20x faster on a 10,000-byte non-match.
        guard matches(value) else { return nil }
        var offsets = [Int64](repeating: -1, count: 2 &* count)
        let handle = self.handle
        let anchor = self.anchor
        let matched: Int32 = offsets.withUnsafeMutableBufferPointer { out in
            if let hit = value.utf8.withContiguousStorageIfAvailable({ buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    strata_re2_match_groups(handle, $0.baseAddress, $0.count, anchor, out.baseAddress, Int32(count))
                }
            }) {
                return hit
            }
            var copy = value
            return copy.withUTF8 { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    strata_re2_match_groups(handle, $0.baseAddress, $0.count, anchor, out.baseAddress, Int32(count))
                }
            }
        }
        guard matched != 0 else { return nil }
        var ranges: [Range<Int>?] = []
        ranges.reserveCapacity(count)
        for i in 0..<count {
            let start = Int(offsets[2 * i]), end = Int(offsets[2 * i + 1])
            ranges.append(start >= 0 && end >= start ? start..<end : nil)
        }
        return ranges
    }
}

/// Where Go's `regexp/syntax` and RE2 (Debian's 2022 release) read a pattern differently, the
/// pattern is adjusted to Go's reading before RE2 sees it.
enum GoRegexSyntax {
    /// Go 1.22 accepts `(?<name>re)` besides `(?P<name>re)`; this RE2 only the latter, so the
    /// short form is rewritten. `\C` (any byte, which can split a UTF-8 character) is RE2-only:
    /// Go refuses it as an invalid escape.
    static func adjust(_ pattern: String) throws(RegexSyntaxError) -> String {
        let bytes = Array(pattern.utf8)
        // Fast exit: nothing to adjust without `\C` or `(?<`.
        var needsScan = false
        for b in bytes where b == UInt8(ascii: "\\") || b == UInt8(ascii: "<") {
            needsScan = true
            break
        }
        guard needsScan else { return pattern }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var i = 0
        var inClass = false
        var quoted = false
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                // Inside \Q...\E everything is literal up to \E.
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "E") {
                    quoted = false
                    out.append(contentsOf: bytes[i...(i + 1)])
                    i += 2
                } else {
                    out.append(b)
                    i += 1
                }
                continue
            }
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                let next = bytes[i + 1]
                if next == UInt8(ascii: "C") {
                    throw RegexSyntaxError(code: "invalid escape sequence", expression: "\\C")
                }
                if next == UInt8(ascii: "Q") && !inClass { quoted = true }
                out.append(b)
                out.append(next)
                i += 2
                continue
            }
            if inClass {
                if b == UInt8(ascii: "["), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ":") {
                    // A POSIX class such as [:alpha:] inside a bracket expression.
                    var j = i + 2
                    while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: ":") && bytes[j + 1] == UInt8(ascii: "]")) { j += 1 }
                    let end = min(j + 2, bytes.count)
                    out.append(contentsOf: bytes[i..<end])
                    i = end
                    continue
                }
                if b == UInt8(ascii: "]") { inClass = false }
                out.append(b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "[") {
                inClass = true
                out.append(b)
                i += 1
                // A `]` right after `[` or `[^` is a literal member.
                if i < bytes.count, bytes[i] == UInt8(ascii: "^") { out.append(bytes[i]); i += 1 }
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { out.append(bytes[i]); i += 1 }
                continue
            }
            if b == UInt8(ascii: "("), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "?"), bytes[i + 2] == UInt8(ascii: "<") {
                var j = i + 3
                while j < bytes.count, isNameByte(bytes[j]) { j += 1 }
                if j > i + 3, j < bytes.count, bytes[j] == UInt8(ascii: ">") {
                    out.append(contentsOf: [UInt8(ascii: "("), UInt8(ascii: "?"), UInt8(ascii: "P"), UInt8(ascii: "<")])
                    i += 3
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's `isValidCaptureName`: ASCII letters, digits and `_`.
    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }
}
