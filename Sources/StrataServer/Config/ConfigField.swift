import StrataLimits
import StrataModel

/// One setting: its flag, its YAML path, its help text, and how to read and write it.
///
/// Flags and YAML keys both arrive as strings, so each field has one parser; that keeps the
/// flag and the key of a setting from ever disagreeing about what a value means.
struct ConfigField: Sendable {
    /// Flag name without the dash, e.g. `server.http-listen-port`.
    let flag: String
    /// YAML path, e.g. `["server", "http_listen_port"]`.
    let yamlPath: [String]
    /// Help shown by `-help`.
    let help: String
    /// The value's kind, for help output and YAML quoting.
    let kind: Kind
    /// Whether the value is a credential: `/config`, `-print.config` and `-help` show it as
    /// `ConfigField.maskedSecret`, as Mimir does; the configuration itself keeps the value.
    var secret = false
    /// Whether the YAML value is a list handed to `set` as YAML text (`blocked_queries`).
    var acceptsYAMLList = false
    /// Renders the current value.
    let get: @Sendable (StrataConfig) -> String
    /// Parses and stores a value; throws a reason on a bad value.
    let set: @Sendable (inout StrataConfig, String) throws(ConfigValueError) -> Void

    /// What kind of value a field holds.
    enum Kind: String, Sendable {
        case string, int, float, bool, duration, bytes
    }

    var yamlKey: String { yamlPath.joined(separator: ".") }

    /// What a set secret is shown as (Mimir's `flagext.Secret`); an unset one shows empty.
    static let maskedSecret = "********"

    /// The value as it may be shown: a set secret is masked.
    func displayed(_ config: StrataConfig) -> String {
        let value = get(config)
        return secret && !value.isEmpty ? Self.maskedSecret : value
    }
}

/// Why a single value was refused; wrapped into `ConfigError` with the flag or key.
struct ConfigValueError: Error, Sendable {
    let reason: String
}

/// Typed constructors for fields, so a field is declared by its key path only once.
extension ConfigField {
    static func string(_ flag: String, _ yaml: [String], _ kp: any WritableKeyPath<StrataConfig, String> & Sendable,
                       _ help: String, allowed: [String]? = nil, secret: Bool = false) -> ConfigField {
        ConfigField(flag: flag, yamlPath: yaml, help: help, kind: .string, secret: secret, get: { $0[keyPath: kp] }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            if let allowed, !allowed.contains(v) {
                throw ConfigValueError(reason: "must be one of \(allowed.joined(separator: ", "))")
            }
            c[keyPath: kp] = v
        }
    }

    static func int(_ flag: String, _ yaml: [String], _ kp: any WritableKeyPath<StrataConfig, Int> & Sendable,
                    _ help: String, kind: Kind = .int) -> ConfigField {
        ConfigField(flag: flag, yamlPath: yaml, help: help, kind: kind, get: { String($0[keyPath: kp]) }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            guard let n = Int(v.trimmingSpaces) else { throw ConfigValueError(reason: "not an integer") }
            c[keyPath: kp] = n
        }
    }

    static func float(_ flag: String, _ yaml: [String], _ kp: any WritableKeyPath<StrataConfig, Double> & Sendable,
                      _ help: String) -> ConfigField {
        ConfigField(flag: flag, yamlPath: yaml, help: help, kind: .float, get: { formatGoFloat($0[keyPath: kp]) }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            guard let n = Double(v.trimmingSpaces), n.isFinite else { throw ConfigValueError(reason: "not a number") }
            c[keyPath: kp] = n
        }
    }

    static func bool(_ flag: String, _ yaml: [String], _ kp: any WritableKeyPath<StrataConfig, Bool> & Sendable,
                     _ help: String) -> ConfigField {
        ConfigField(flag: flag, yamlPath: yaml, help: help, kind: .bool, get: { $0[keyPath: kp] ? "true" : "false" }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            switch v.trimmingSpaces.lowercased() {
            case "true", "1", "t": c[keyPath: kp] = true
            case "false", "0", "f": c[keyPath: kp] = false
            default: throw ConfigValueError(reason: "not a boolean (true or false)")
            }
        }
    }

    static func duration(_ flag: String, _ yaml: [String], _ kp: any WritableKeyPath<StrataConfig, Duration> & Sendable,
                         _ help: String) -> ConfigField {
        ConfigField(flag: flag, yamlPath: yaml, help: help, kind: .duration, get: { GoDuration.format($0[keyPath: kp]) }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            guard let d = GoDuration.parse(v.trimmingSpaces) else {
                throw ConfigValueError(reason: "not a duration (examples: 30s, 10m, 1h30m)")
            }
            c[keyPath: kp] = d
        }
    }
}

extension ConfigField {
    /// A comma-separated list of durations, printed as Mimir does (`2h0m0s,12h0m0s,24h0m0s`).
    static func durationList(_ flag: String, _ yaml: [String], _ kp: any WritableKeyPath<StrataConfig, [Duration]> & Sendable,
                             _ help: String) -> ConfigField {
        ConfigField(flag: flag, yamlPath: yaml, help: help, kind: .string,
                    get: { $0[keyPath: kp].map(GoDuration.format).joined(separator: ",") }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            var list: [Duration] = []
            for part in v.split(separator: ",") {
                guard let d = GoDuration.parse(String(part).trimmingSpaces), d > .zero else {
                    throw ConfigValueError(reason: "\"\(part)\" is not a positive duration (example: 2h,12h,24h)")
                }
                if let last = list.last, d <= last {
                    throw ConfigValueError(reason: "ranges must increase: \(GoDuration.format(d)) after \(GoDuration.format(last))")
                }
                list.append(d)
            }
            guard !list.isEmpty else { throw ConfigValueError(reason: "at least one range is required") }
            c[keyPath: kp] = list
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
