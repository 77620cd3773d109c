import StrataModel
import Yams

extension Limits {
    /// Applies a YAML mapping of limit keys (as found under `limits:` or under one tenant in
    /// `overrides:`) on top of `self`.
    ///
    /// `context` says where the mapping is, and prefixes every key in error messages: with
    /// `runtime config /etc/strata/runtime.yaml: overrides.team-a` a bad value reads
    /// `runtime config /etc/strata/runtime.yaml: overrides.team-a.ingestion_rate: expected a
    /// number, got "fast"`. Unknown keys and wrong types are errors; a key set to YAML null keeps
    /// its current value, as Go's YAML decoder does for Mimir. On error `self` is unchanged.
    public mutating func apply(yaml: Node, context: String) throws(LimitsError) {
        if Self.isNull(yaml) { return }
        guard let mapping = yaml.mapping else {
            throw .invalidValue(path: context.isEmpty ? "limits" : context, expected: "a mapping of limits", got: Self.describe(yaml))
        }
        var updated = self
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            let key = keyNode.scalar?.string ?? Self.describe(keyNode)
            let path = context.isEmpty ? key : context + "." + key
            guard let limit = LimitKey.named(key) else {
                throw .unknownKey(path: path, known: LimitKey.all.map(\.yamlKey))
            }
            if !seen.insert(key).inserted { throw .duplicateKey(path: path) }
            if Self.isNull(valueNode) { continue }
            if case .blockedQueries(let field) = limit.kind {
                do {
                    updated[keyPath: field] = try BlockedQuery.list(from: valueNode)
                } catch {
                    throw .invalidValue(path: path, expected: error.expected, got: error.got)
                }
                continue
            }
            guard let text = valueNode.scalar?.string else {
                throw .invalidValue(path: path, expected: limit.expectation, got: Self.describe(valueNode))
            }
            do {
                try limit.set(text, in: &updated)
            } catch {
                throw .invalidValue(path: path, expected: error.expected, got: error.got)
            }
        }
        self = updated
    }

    /// The limits as an ordered list of (YAML key, rendered value), for `-print.config` and
    /// `/runtime_config`. Values print as Mimir prints them: floats with Go's `%v`, durations in
    /// Prometheus notation (`10m`).
    public var yamlFields: [(key: String, value: String)] {
        LimitKey.all.map { (key: $0.yamlKey, value: $0.format(self)) }
    }

    /// The keys whose values differ from `base`, in the same form as `yamlFields` (a tenant's
    /// override as the operator would write it).
    public func yamlFields(differingFrom base: Limits) -> [(key: String, value: String)] {
        let mine = yamlFields
        let theirs = base.yamlFields
        return zip(mine, theirs).filter { $0.0.value != $0.1.value }.map(\.0)
    }

    /// Whether `text` is a legacy Prometheus label name, as the HA labels must be.
    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
        else { return false }
        return text.utf8.allSatisfy { b in
            b == UInt8(ascii: "_") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
        }
    }

    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        switch scalar.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// How a node that is not the expected scalar is named in messages.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return quoteLabelValue(scalar.string)
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        default: return "an alias"
        }
    }
}
