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
    /// `pattern` is not a valid regex; `reason` says why in Go's words.
    case invalidRegex(pattern: String, reason: RegexSyntaxError)

    /// Prometheus's text, Go's `regexp/syntax` error: ``error parsing regexp: missing closing ): `(a` ``.
    public var description: String {
        switch self {
        case .invalidRegex(_, let reason):
            return reason.description
        }
    }
}

/// A label matcher such as `job=~"api|web"`.
///
/// Regexes are fully anchored (`^(?s:re)$`) as in Prometheus 3, where `.` also matches a newline,
/// and run on RE2 (linear time in the value, no backtracking) in Go's syntax. Common shapes — a
/// literal, an alternation of literals, `foo.*`, `.*foo`, `.*foo.*`, `.*`, `.+` — are recognised
/// and matched without running the regex engine; other patterns are compiled once through
/// ``RegexCache/shared``. Values are compared by UTF-8 bytes, as Prometheus compares them.
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
            do {
                matcher = try ValueMatcher.compile(value)
            } catch {
                throw .invalidRegex(pattern: value, reason: error)
            }
        }
    }

    /// An `=` (or `!=`) matcher, which needs no regex and so cannot fail.
    public init(literal name: String, _ value: String, negated: Bool = false) {
        self.type = negated ? .notEqual : .equal
        self.name = name
        self.value = value
        matcher = .literal(value)
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
        case .set(let set): return set.values.sorted()
        default: return nil
        }
    }

    public var description: String { "\(name)\(type)\(quoteLabelValue(value))" }
}
