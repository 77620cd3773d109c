/// Why a limits document (the `limits:` block or a runtime config file) was refused.
///
/// Every case names where the problem is (file and key path) so an operator can fix it without
/// guessing, e.g. `runtime config /etc/strata/runtime.yaml: overrides.team-a.ingestion_rate:
/// expected a number, got "fast"`.
public enum LimitsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A key holds a value of the wrong type or out of range.
    case invalidValue(path: String, expected: String, got: String)
    /// A key that is not a known limit (or, at the top of a runtime config, not a known section).
    case unknownKey(path: String, known: [String])
    /// A key given twice in the same mapping (YAML forbids it; silently taking one would hide a typo).
    case duplicateKey(path: String)
    /// A tenant ID under `overrides:` that is not a valid tenant ID.
    case invalidTenant(path: String, reason: String)
    /// The document is not YAML.
    case invalidYAML(source: String, reason: String)
    /// The file could not be read.
    case unreadable(source: String, reason: String)

    /// The operator-facing message.
    public var description: String {
        switch self {
        case .invalidValue(let path, let expected, let got):
            return "\(path): expected \(expected), got \(got)"
        case .unknownKey(let path, let known):
            return "\(path): unknown key (known keys: \(known.joined(separator: ", ")))"
        case .duplicateKey(let path):
            return "\(path): key is defined more than once"
        case .invalidTenant(let path, let reason):
            return "\(path): invalid tenant ID: \(reason)"
        case .invalidYAML(let source, let reason):
            return "\(source): invalid YAML: \(reason)"
        case .unreadable(let source, let reason):
            return "\(source): cannot read file: \(reason)"
        }
    }
}
