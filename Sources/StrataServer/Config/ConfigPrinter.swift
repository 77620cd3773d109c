/// Renders configuration as YAML (for `-print.config` and `/config`) and flags as `-help` text.
public enum ConfigPrinter {
    /// Which values `/config` shows (Mimir's `?mode=`).
    public enum Mode: String, Sendable {
        /// Every value.
        case all
        /// Only values that differ from the defaults.
        case diff
        /// The defaults.
        case defaults
    }

    /// The configuration as a YAML document with Mimir's block structure. Secrets (S3 keys and
    /// tokens) are shown as `********` when set, as Mimir shows them.
    public static func yaml(_ config: StrataConfig, mode: Mode = .all) -> String {
        let defaults = StrataConfig()
        var out = ""
        var openPath: [String] = []
        for field in yamlOrder {
            let shown = mode == .defaults ? defaults : config
            if mode == .diff && field.get(config) == field.get(defaults) { continue }
            let value = field.displayed(shown)
            let parents = Array(field.yamlPath.dropLast())
            var common = 0
            while common < min(parents.count, openPath.count), parents[common] == openPath[common] { common += 1 }
            openPath = Array(openPath.prefix(common))
            for depth in common..<parents.count {
                out += String(repeating: "  ", count: depth) + parents[depth] + ":\n"
                openPath.append(parents[depth])
            }
            let key = field.yamlPath.last ?? field.flag
            out += String(repeating: "  ", count: parents.count) + key + ": " + render(value, kind: field.kind) + "\n"
        }
        return out
    }

    /// The fields grouped by YAML block: a block's keys are printed together, at the place its
    /// first key has in the registry, even when the registry declares them apart (the
    /// `distributor:` block has keys among the limits' flags and among the rings').
    static let yamlOrder: [ConfigField] = {
        var firstSeen: [[String]: Int] = [:]
        for (index, field) in ConfigRegistry.fields.enumerated() {
            for depth in 1..<max(1, field.yamlPath.count) {
                let prefix = Array(field.yamlPath.prefix(depth))
                if firstSeen[prefix] == nil { firstSeen[prefix] = index }
            }
        }
        func sortKey(_ field: ConfigField, _ index: Int) -> [Int] {
            (1..<max(1, field.yamlPath.count)).map { firstSeen[Array(field.yamlPath.prefix($0))] ?? index } + [index]
        }
        return ConfigRegistry.fields.enumerated()
            .map { (key: sortKey($0.element, $0.offset), field: $0.element) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map(\.field)
    }()

    private static func render(_ value: String, kind: ConfigField.Kind) -> String {
        guard kind == .string else { return value }
        if value.isEmpty { return "\"\"" }
        let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "-_./:".contains($0) }
        if plain, !["true", "false", "null", "yes", "no", "on", "off"].contains(value.lowercased()), Double(value) == nil {
            return value
        }
        var escaped = "\""
        for ch in value.unicodeScalars {
            switch ch {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(ch)
            }
        }
        return escaped + "\""
    }

    /// Go-`flag`-style usage text listing every flag with its help and default.
    public static func usage(program: String) -> String {
        var out = "Usage of \(program):\n"
        let defaults = StrataConfig()
        let special: [(String, String, String)] = [
            ("config.file", "string", "Configuration file to load (YAML, Mimir's key names). Flags override it."),
            ("print.config", "", "Print the effective configuration as YAML and exit."),
            ("version", "", "Print the version and exit."),
            ("help", "", "Print this help and exit."),
        ]
        var rows: [(String, String, String, String)] = special.map { ($0.0, $0.1, $0.2, "") }
        for f in ConfigRegistry.fields {
            let kind = f.kind == .bool ? "" : f.kind.rawValue
            rows.append((f.flag, kind, f.help + " (YAML: " + f.yamlKey + ")", f.displayed(defaults)))
        }
        for (flag, kind, help, def) in rows.sorted(by: { $0.0 < $1.0 }) {
            out += "  -\(flag)" + (kind.isEmpty ? "" : " \(kind)") + "\n"
            out += "    \t\(help)"
            if !def.isEmpty && def != "false" { out += " (default \(kind == "string" ? "\"\(def)\"" : def))" }
            out += "\n"
        }
        return out
    }
}
