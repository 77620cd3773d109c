/// The compiled form of a matcher value: a shape recognised without running a regex, or RE2.
///
/// Prometheus 3 (`FastRegexMatcher`) recognises common shapes before running a regex; the shapes
/// here are taken only when they accept exactly the strings RE2 would accept for `^(?s:p)$`,
/// comparing UTF-8 bytes as Go does (Swift's `==` and `hasPrefix` compare canonically
/// equivalent characters, which a regex does not).
enum ValueMatcher: Sendable {
    /// The whole value equals the string (`=`, or a regex without metacharacters such as `foo\.bar`).
    case literal(String)
    /// The value is one of the strings (`a|b|c`).
    case set(LiteralSet)
    /// `.*`
    case any
    /// `.+`
    case nonEmpty
    /// `foo.*` (`minRest` 0) or `foo.+` (`minRest` 1).
    case prefix([UInt8], minRest: Int)
    /// `.*foo` or `.+foo`.
    case suffix([UInt8], minRest: Int)
    /// `.*foo.*`
    case contains([UInt8])
    /// Anything else: RE2.
    case regex(RE2Regex)

    /// The fast shape of `pattern`, or its compiled regex (from ``RegexCache/shared``).
    static func compile(_ pattern: String) throws(RegexSyntaxError) -> ValueMatcher {
        if let fast = FastRegexShape.parse(pattern) { return fast }
        return .regex(try RE2Regex.matcher(pattern))
    }

    func matches(_ v: String) -> Bool {
        switch self {
        case .literal(let s): return utf8Equal(v, s)
        case .set(let values): return values.contains(v)
        case .any: return true
        case .nonEmpty: return !v.isEmpty
        case .prefix(let p, let minRest):
            return withUTF8Buffer(v) { b in
                b.count >= p.count &+ minRest && p.withUnsafeBufferPointer { b.prefix($0.count).elementsEqual($0) }
            }
        case .suffix(let s, let minRest):
            return withUTF8Buffer(v) { b in
                b.count >= s.count &+ minRest && s.withUnsafeBufferPointer { b.suffix($0.count).elementsEqual($0) }
            }
        case .contains(let needle):
            return withUTF8Buffer(v) { b in needle.withUnsafeBufferPointer { containsBytes(b, $0) } }
        case .regex(let re): return re.matches(v)
        }
    }
}

/// The strings of an alternation of literals, compared by UTF-8 bytes.
struct LiteralSet: Sendable {
    /// The distinct strings.
    let values: [String]
    /// For more than a few strings: hashed lookup (a short list is faster to scan, most
    /// candidates failing on their length alone).
    private let hashed: Set<UTF8Key>?

    init(_ set: Set<UTF8Key>) {
        values = set.map(\.string)
        hashed = set.count > 8 ? set : nil
    }

    func contains(_ v: String) -> Bool {
        if let hashed { return hashed.contains(UTF8Key(v)) }
        for s in values where utf8Equal(s, v) { return true }
        return false
    }
}

/// Runs `body` over the UTF-8 bytes of `s` without copying them when `s` is native.
@inline(__always)
func withUTF8Buffer<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
    var copy = s
    return copy.withUTF8(body)
}

/// True when `needle` occurs in `haystack` (byte-wise; UTF-8 is self-synchronising, so a match
/// of a valid UTF-8 needle always starts on a character boundary).
func containsBytes(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = needle.count
    guard n > 0 else { return true }
    guard haystack.count >= n else { return false }
    let first = needle[0]
    var i = 0
    let last = haystack.count - n
    while i <= last {
        if haystack[i] == first {
            var j = 1
            while j < n && haystack[i + j] == needle[j] { j += 1 }
            if j == n { return true }
        }
        i += 1
    }
    return false
}

/// Recognises the patterns a ``ValueMatcher`` matches without a regex.
enum FastRegexShape {
    private enum Piece: Equatable {
        case literal([UInt8])
        case dotStar
        case dotPlus
    }

    /// The fast matcher of `pattern`, or nil when it needs RE2 (or is invalid: every pattern this
    /// accepts is valid RE2 and Go syntax, so no error is hidden).
    static func parse(_ pattern: String) -> ValueMatcher? {
        guard let alternatives = split(Array(pattern.utf8)) else { return nil }
        if alternatives.count > 1 {
            var set = Set<UTF8Key>()
            for pieces in alternatives {
                switch pieces.count {
                case 0: set.insert(UTF8Key(""))
                case 1:
                    guard case .literal(let l) = pieces[0] else { return nil }
                    set.insert(UTF8Key(String(decoding: l, as: UTF8.self)))
                default: return nil
                }
            }
            return .set(LiteralSet(set))
        }
        let pieces = alternatives[0]
        switch pieces.count {
        case 0:
            return .literal("")
        case 1:
            switch pieces[0] {
            case .literal(let l): return .literal(String(decoding: l, as: UTF8.self))
            case .dotStar: return .any
            case .dotPlus: return .nonEmpty
            }
        case 2:
            switch (pieces[0], pieces[1]) {
            case (.literal(let l), .dotStar): return .prefix(l, minRest: 0)
            case (.literal(let l), .dotPlus): return .prefix(l, minRest: 1)
            case (.dotStar, .literal(let l)): return .suffix(l, minRest: 0)
            case (.dotPlus, .literal(let l)): return .suffix(l, minRest: 1)
            default: return nil
            }
        case 3:
            if pieces[0] == .dotStar, pieces[2] == .dotStar, case .literal(let l) = pieces[1] { return .contains(l) }
            return nil
        default:
            return nil
        }
    }

    /// The alternatives of `bytes` as pieces, or nil when any part is not a literal, `.*` or `.+`.
    private static func split(_ bytes: [UInt8]) -> [[Piece]]? {
        var alternatives: [[Piece]] = []
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\\"):
                // `\` before ASCII punctuation is that character in Go and RE2; any other
                // escape (`\d`, `\pL`, `\Q`...) needs the engine.
                guard i + 1 < bytes.count, isEscapablePunctuation(bytes[i + 1]) else { return nil }
                literal.append(bytes[i + 1])
                i += 2
            case UInt8(ascii: "."):
                guard i + 1 < bytes.count else { return nil }
                let next = bytes[i + 1]
                guard next == UInt8(ascii: "*") || next == UInt8(ascii: "+") else { return nil }
                // `.*?`, `.**`, `.*{2}`: a repetition operator follows; leave it to RE2.
                if i + 2 < bytes.count, isRepetition(bytes[i + 2]) { return nil }
                flush()
                pieces.append(next == UInt8(ascii: "*") ? .dotStar : .dotPlus)
                i += 2
            case UInt8(ascii: "|"):
                flush()
                alternatives.append(pieces)
                pieces = []
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "("), UInt8(ascii: ")"),
                 UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "^"),
                 UInt8(ascii: "$"):
                return nil
            default:
                literal.append(b)
                i += 1
            }
        }
        flush()
        alternatives.append(pieces)
        return alternatives
    }

    private static func isRepetition(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "*") || b == UInt8(ascii: "+") || b == UInt8(ascii: "?") || b == UInt8(ascii: "{")
    }

    /// Printable ASCII that is neither a letter nor a digit: escaping it gives the character itself.
    private static func isEscapablePunctuation(_ b: UInt8) -> Bool {
        guard b >= 0x21 && b <= 0x7E else { return false }
        let isDigit = b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
        let isLetter = (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
        return !isDigit && !isLetter
    }
}
