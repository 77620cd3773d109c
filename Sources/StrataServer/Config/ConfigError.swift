/// Why the configuration (flags or YAML file) could not be loaded. Messages name the flag or key.
public enum ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    case unknownFlag(String)
    case missingFlagValue(String)
    case invalidFlagValue(flag: String, value: String, reason: String)
    case unknownYAMLKey(path: String, file: String)
    case invalidYAMLValue(path: String, value: String, file: String, reason: String)
    case unreadableFile(path: String, reason: String)
    case invalidYAML(file: String, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownFlag(let f): return "flag provided but not defined: -\(f)"
        case .missingFlagValue(let f): return "flag needs an argument: -\(f)"
        case .invalidFlagValue(let f, let v, let r): return "invalid value \"\(v)\" for flag -\(f): \(r)"
        case .unknownYAMLKey(let p, let file): return "\(file): field \(p) not found in the Strata configuration"
        case .invalidYAMLValue(let p, let v, let file, let r): return "\(file): invalid value \"\(v)\" for \(p): \(r)"
        case .unreadableFile(let p, let r): return "cannot read config file \(p): \(r)"
        case .invalidYAML(let f, let r): return "\(f): invalid YAML: \(r)"
        case .invalid(let m): return m
        }
    }
}
