import Foundation
import StrataLimits
@testable import StrataServer
import Testing

/// One source for limits: every `LimitKey` is a flag, a config-file key and a runtime override
/// key, and the three accept and refuse exactly the same values with the same reason.
@Suite struct LimitSourcesTests {
    /// Values across every kind: signs, zero, overflow, non-numbers, durations, booleans, names.
    static let values = [
        "-1", "0", "1", "2.5", "-0.5", "99999999999999999999999", "1e400", "NaN", "abc", "", " 7 ",
        "10m", "-5m", "5x", "600", "1h30m", "true", "F", "yes", "cluster", "9cluster", "__replica__",
        "UnderscoreEscapingWithSuffixes",
    ]

    /// What one source made of a value: the limit as printed afterwards, or the reason it was refused.
    enum Outcome: Equatable, CustomStringConvertible {
        case accepted(String)
        case refused(String)
        var description: String {
            switch self {
            case .accepted(let v): return "accepted \(v)"
            case .refused(let r): return "refused: \(r)"
            }
        }
    }

    static func viaFlag(_ key: LimitKey, _ value: String) -> Outcome {
        do {
            let request = try ConfigLoader.load(arguments: ["-\(key.flag)=\(value)"])
            return .accepted(key.format(request.config.limits))
        } catch {
            guard case .invalidFlagValue(let flag, let given, let reason) = error else { return .refused("unexpected: \(error)") }
            #expect(flag == key.flag)
            #expect(given == value)
            return .refused(reason)
        }
    }

    static func yamlQuoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func viaConfigFile(_ key: LimitKey, _ value: String) -> Outcome {
        var yaml = ""
        for (depth, part) in key.configPath.enumerated() {
            yaml += String(repeating: "  ", count: depth) + part + ":"
            yaml += depth == key.configPath.count - 1 ? " \(yamlQuoted(value))\n" : "\n"
        }
        var config = StrataConfig()
        do {
            try ConfigLoader.applyYAML(yaml, file: "strata.yaml", to: &config)
            return .accepted(key.format(config.limits))
        } catch {
            guard case .invalidYAMLValue(let path, _, _, let reason) = error else { return .refused("unexpected: \(error)") }
            #expect(path == key.configPath.joined(separator: "."))
            return .refused(reason)
        }
    }

    static func viaOverride(_ key: LimitKey, _ value: String) -> Outcome {
        let yaml = "overrides:\n  team-a:\n    \(key.yamlKey): \(yamlQuoted(value))\n"
        do {
            let tenants = try Overrides.parse(runtimeConfigYAML: yaml, source: "runtime config r.yaml", defaults: Limits())
            guard let limits = tenants.values.first else { return .refused("no tenant") }
            return .accepted(key.format(limits))
        } catch {
            guard case .invalidValue(let path, let expected, let got) = error else { return .refused("unexpected: \(error)") }
            #expect(path == "runtime config r.yaml: overrides.team-a.\(key.yamlKey)")
            return .refused("expected \(expected), got \(got)")
        }
    }

    @Test(arguments: LimitKey.all.map(\.yamlKey))
    func flagConfigFileAndOverrideAgree(yamlKey: String) throws {
        let key = try #require(LimitKey.named(yamlKey))
        var accepted = 0
        for value in Self.values {
            let flag = Self.viaFlag(key, value)
            #expect(Self.viaConfigFile(key, value) == flag, "\(key.flag)=\(value)")
            #expect(Self.viaOverride(key, value) == flag, "\(key.yamlKey): \(value)")
            if case .accepted = flag { accepted += 1 }
        }
        // Each limit accepts some of the values and refuses others, so both paths were exercised
        // (a free comma-separated list, such as promote_otel_resource_attributes, refuses nothing).
        #expect(accepted > 0)
        if case .string(_, allowed: nil) = key.kind {} else {
            #expect(accepted < Self.values.count)
        }
    }

    @Test func negativeSeriesLimitIsRefusedEverywhereWithOneReason() {
        guard let key = LimitKey.named("max_global_series_per_user") else { Issue.record("missing key"); return }
        #expect(Self.viaFlag(key, "-1") == .refused(#"expected a non-negative integer, got "-1""#))
        #expect(throws: ConfigError.invalidFlagValue(flag: "ingester.max-global-series-per-user", value: "-1",
                                                     reason: #"expected a non-negative integer, got "-1""#)) {
            try ConfigLoader.load(arguments: ["-ingester.max-global-series-per-user=-1"])
        }
        #expect(Self.viaOverride(key, "-1") == .refused(#"expected a non-negative integer, got "-1""#))
        let size = LimitKey.named("max_recv_msg_size")
        #expect(size.map { Self.viaFlag($0, "0") } == .refused(#"expected a positive integer, got "0""#))
        let grace = LimitKey.named("creation_grace_period")
        #expect(grace.map { Self.viaOverride($0, "5x") } == .refused(#"expected a duration such as 10m or 1h30m, got "5x" (unknown unit "x" in duration "5x")"#))
    }

    @Test func everyLimitIsAFieldWithTheTablesNamesHelpAndDefault() throws {
        let defaults = StrataConfig()
        for key in LimitKey.all {
            let field = try #require(ConfigRegistry.byFlag[key.flag], "\(key.flag)")
            #expect(field.yamlPath == key.configPath)
            #expect(field.help == key.help)
            #expect(field.get(defaults) == key.format(Limits()))
            #expect(ConfigRegistry.byYAMLKey[key.configPath.joined(separator: ".")]?.flag == key.flag)
        }
        #expect(LimitKey.all.allSatisfy { ["limits", "distributor"].contains($0.configPath.first ?? "") })
    }

    @Test func queryLimitsHaveMimirsNamesAndDefaults() throws {
        let expected: [(String, String, String)] = [
            ("max_fetched_series_per_query", "querier.max-fetched-series-per-query", "0"),
            ("max_fetched_chunk_bytes_per_query", "querier.max-fetched-chunk-bytes-per-query", "0"),
            ("max_query_lookback", "querier.max-query-lookback", "0s"),
            ("max_partial_query_length", "querier.max-partial-query-length", "0s"),
            ("max_total_query_length", "query-frontend.max-total-query-length", "0s"),
        ]
        for (yamlKey, flag, value) in expected {
            let key = try #require(LimitKey.named(yamlKey))
            #expect(key.flag == flag)
            #expect(key.format(Limits()) == value)
        }
        let printed = ConfigPrinter.yaml(StrataConfig())
        #expect(printed.contains("\n  max_query_lookback: 0s\n"))
        let usage = ConfigPrinter.usage(program: "strata")
        #expect(usage.contains("  -querier.max-fetched-chunk-bytes-per-query bytes\n"))
    }
}
