import StrataModel
import Yams

/// One entry of a tenant's `blocked_queries`: queries the frontend refuses before any work,
/// as Mimir's query blocker does.
///
/// A plain pattern blocks the query whose text equals it (surrounding spaces ignored); a regex
/// pattern blocks every query it matches anywhere in the text.
public struct BlockedQuery: Sendable, Equatable {
    /// The text or regular expression (RE2 syntax).
    public var pattern: String
    /// Whether `pattern` is a regular expression.
    public var regex: Bool

    /// Creates an entry; a regex is compiled once here so a bad one is refused at load time.
    public init(pattern: String, regex: Bool) throws(LimitValueError) {
        self.pattern = pattern
        self.regex = regex
        if regex {
            do {
                _ = try RE2Regex.matcher(pattern)
            } catch {
                throw LimitValueError(expected: "a valid RE2 regular expression", got: "\(quoteLabelValue(pattern)) (\(error))")
            }
        }
    }

    /// Whether `query` is blocked by this entry.
    public func blocks(_ query: String) -> Bool {
        if !regex { return Self.trimmed(query) == Self.trimmed(pattern) }
        // Mimir matches unanchored; the matcher flavour anchors, so the pattern is wrapped.
        guard let re = try? RE2Regex.matcher(".*(?:" + pattern + ").*") else { return false }
        return re.matches(query)
    }

    /// Reads a YAML list of `{pattern: ..., regex: true|false}` mappings.
    static func list(from node: Node) throws(LimitValueError) -> [BlockedQuery] {
        // A scalar holds the list as YAML text, as a flag does: parsed the same way.
        if let text = node.scalar?.string { return try list(text: text) }
        guard let sequence = node.sequence else {
            throw LimitValueError(expected: "a list of {pattern, regex} mappings", got: Limits.describe(node))
        }
        var out: [BlockedQuery] = []
        for item in sequence {
            guard let mapping = item.mapping else {
                throw LimitValueError(expected: "a {pattern, regex} mapping", got: Limits.describe(item))
            }
            var pattern: String? = nil
            var regex = false
            for (k, v) in mapping {
                switch k.scalar?.string {
                case "pattern": pattern = v.scalar?.string
                case "regex":
                    switch v.scalar?.string {
                    case "true", "True", "TRUE": regex = true
                    case "false", "False", "FALSE", nil: regex = false
                    default: throw LimitValueError(expected: "regex: true or false", got: Limits.describe(v))
                    }
                default:
                    throw LimitValueError(expected: "only the keys pattern and regex", got: Limits.describe(k))
                }
            }
            guard let pattern, !pattern.isEmpty else {
                throw LimitValueError(expected: "a non-empty pattern", got: Limits.describe(item))
            }
            out.append(try BlockedQuery(pattern: pattern, regex: regex))
        }
        return out
    }

    /// Reads the list from YAML text (a flag's value): empty is the empty list.
    static func list(text: String) throws(LimitValueError) -> [BlockedQuery] {
        let value = String(trimmed(text))
        if value.isEmpty { return [] }
        let node: Node?
        do {
            node = try Yams.compose(yaml: value)
        } catch {
            throw LimitValueError(expected: "a list of {pattern, regex} mappings", got: quoteLabelValue(value))
        }
        guard let node, node.scalar == nil else {
            throw LimitValueError(expected: "a list of {pattern, regex} mappings", got: quoteLabelValue(value))
        }
        return try list(from: node)
    }

    /// The list in YAML flow style, as `-print.config` shows it.
    static func format(_ list: [BlockedQuery]) -> String {
        "[" + list.map { "{pattern: \(quoteLabelValue($0.pattern)), regex: \($0.regex)}" }.joined(separator: ", ") + "]"
    }

    private static func trimmed(_ s: String) -> Substring {
        var t = Substring(s)
        while t.first?.isWhitespace == true { t = t.dropFirst() }
        while t.last?.isWhitespace == true { t = t.dropLast() }
        return t
    }
}
