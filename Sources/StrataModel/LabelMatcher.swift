/// The four kinds of label matcher of PromQL and remote read.
public enum MatchType: UInt8, Sendable, CustomStringConvertible {
    /// `=`
    case equal = 0
    /// `!=`
    case notEqual = 1
    /// `=~` (fully anchored)
    case regexMatch = 2
    /// `!~` (fully anchored)
    case regexNoMatch = 3

    public var description: String {
        switch self {
        case .equal: return "="
        case .notEqual: return "!="
        case .regexMatch: return "=~"
        case .regexNoMatch: return "!~"
        }
    }
}

/// Why a matcher could not be built.
public enum MatcherError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidRegex(pattern: String, reason: String)

    public var description: String {
        switch self {
        case .invalidRegex(let pattern, let reason):
            return "invalid regular expression \(quoteLabelValue(pattern)): \(reason)"
        }
    }
}

/// A label matcher such as `job=~"api|web"`.
///
/// Regexes are fully anchored (`^(?s:re)$`) as in Prometheus 3, where `.` also matches a newline.
/// Common shapes — a literal, an alternation of literals, `prefix.*`, `.*`, `.+` — are recognised
/// and matched without running the regex engine.
public struct LabelMatcher: Sendable, CustomStringConvertible {
    /// The kind of match.
    public let type: MatchType
    /// The label name.
    public let name: String
    /// The value or pattern as written.
    public let value: String
    private let matcher: ValueMatcher

    /// Builds a matcher; throws `MatcherError.invalidRegex` for a pattern that does not compile.
    public init(_ type: MatchType, _ name: String, _ value: String) throws(MatcherError) {
        self.type = type
        self.name = name
        self.value = value
        switch type {
        case .equal, .notEqual:
            matcher = .literal(value)
        case .regexMatch, .regexNoMatch:
            matcher = try ValueMatcher.compile(value)
        }
    }

    /// True when the label value `v` satisfies the matcher; a missing label is the empty string.
    @inlinable
    public func matches(_ v: String) -> Bool {
        switch type {
        case .equal, .regexMatch: return matcherMatches(v)
        case .notEqual, .regexNoMatch: return !matcherMatches(v)
        }
    }

    @usableFromInline
    func matcherMatches(_ v: String) -> Bool { matcher.matches(v) }

    /// True when the matcher selects series that lack the label (it matches the empty string).
    public var matchesEmpty: Bool { matches("") }

    /// For `=` and a regex that is a plain alternation of literals: the exact values it accepts.
    public var setMatches: [String]? {
        guard type == .equal || type == .regexMatch else { return nil }
        switch matcher {
        case .literal(let s): return [s]
        case .set(let values): return values.sorted()
        default: return nil
        }
    }

    public var description: String { "\(name)\(type)\(quoteLabelValue(value))" }
}

/// The compiled form of a matcher value.
enum ValueMatcher: Sendable {
    case literal(String)
    case set(Set<String>)
    case any
    case nonEmpty
    case prefix(String)
    case suffix(String)
    case contains(String)
    case regex(CompiledRegex)

    private static let metaCharacters: Set<Character> = [".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$", "\\"]

    static func isLiteral<S: StringProtocol>(_ s: S) -> Bool {
        !s.contains { metaCharacters.contains($0) }
    }

    static func compile(_ pattern: String) throws(MatcherError) -> ValueMatcher {
        if pattern == ".*" { return .any }
        if pattern == ".+" { return .nonEmpty }
        if isLiteral(pattern) { return .literal(pattern) }
        if pattern.contains("|") && !pattern.contains("\\") {
            let parts = pattern.split(separator: "|", omittingEmptySubsequences: false)
            if parts.allSatisfy({ isLiteral($0) }) { return .set(Set(parts.map(String.init))) }
        }
        if pattern.hasSuffix(".*") {
            let head = pattern.dropLast(2)
            if head.hasPrefix(".*"), isLiteral(head.dropFirst(2)) { return .contains(String(head.dropFirst(2))) }
            if isLiteral(head) { return .prefix(String(head)) }
        }
        if pattern.hasPrefix(".*"), isLiteral(pattern.dropFirst(2)) { return .suffix(String(pattern.dropFirst(2))) }
        return .regex(try CompiledRegex(pattern))
    }

    func matches(_ v: String) -> Bool {
        switch self {
        case .literal(let s): return v == s
        case .set(let values): return values.contains(v)
        case .any: return true
        case .nonEmpty: return !v.isEmpty
        case .prefix(let p): return v.hasPrefix(p)
        case .suffix(let s): return v.hasSuffix(s)
        case .contains(let s): return v.contains(s)
        case .regex(let re): return re.matches(v)
        }
    }
}

/// A fully anchored regex. `Regex<AnyRegexOutput>` is immutable after construction and safe to
/// share; it is not declared `Sendable` because its output type is not.
struct CompiledRegex: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws(MatcherError) {
        do {
            regex = try Regex("(?s:" + pattern + ")")
        } catch {
            throw .invalidRegex(pattern: pattern, reason: "\(error)")
        }
    }

    func matches(_ v: String) -> Bool {
        (try? regex.wholeMatch(in: v)) != nil
    }
}
