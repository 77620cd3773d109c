import StrataModel
import StrataTSDB
import StrataRing
import StrataObjstore
import Yams

/// What the command line asked for besides settings.
public struct CommandLineRequest: Sendable {
    /// The loaded configuration: defaults, then the YAML file, then flags.
    public var config: StrataConfig
    /// `-help` / `-h` was given.
    public var help = false
    /// `-print.config` was given.
    public var printConfig = false
    /// `-version` was given.
    public var version = false
    /// The `-config.file` that was read, if any.
    public var configFile: String?
}

/// Loads configuration the way Mimir does: defaults, overlaid by the YAML file named by
/// `-config.file`, overlaid by command-line flags (flags win).
public enum ConfigLoader {
    /// Parses Go-style flags (`-name=value`, `-name value`, `--name=value`, bare `-bool`).
    public static func load(arguments: [String], readFile: (String) throws -> String = readTextFile) throws(ConfigError) -> CommandLineRequest {
        var request = CommandLineRequest(config: StrataConfig())
        var settings: [(flag: String, value: String)] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            guard arg.hasPrefix("-"), arg != "-", arg != "--" else {
                throw .invalid("unexpected argument \"\(arg)\": settings are flags such as -target=all (see -help)")
            }
            var body = Substring(arg.dropFirst())
            if body.hasPrefix("-") { body = body.dropFirst() }
            var name = String(body)
            var value: String?
            if let eq = body.firstIndex(of: "=") {
                name = String(body[..<eq])
                value = String(body[body.index(after: eq)...])
            }
            switch name {
            case "h", "help":
                request.help = true
                continue
            case "version":
                request.version = true
                continue
            case "print.config":
                request.printConfig = value.map { $0 == "true" || $0 == "1" } ?? true
                continue
            case "config.file":
                if value == nil {
                    guard i < arguments.count else { throw .missingFlagValue(name) }
                    value = arguments[i]
                    i += 1
                }
                request.configFile = value
                continue
            default:
                break
            }
            guard let field = ConfigRegistry.byFlag[name] else { throw .unknownFlag(name) }
            if value == nil {
                if field.kind == .bool {
                    value = "true"
                } else {
                    guard i < arguments.count else { throw .missingFlagValue(name) }
                    value = arguments[i]
                    i += 1
                }
            }
            settings.append((name, value ?? ""))
        }
        if let file = request.configFile, !file.isEmpty {
            let text: String
            do { text = try readFile(file) } catch { throw .unreadableFile(path: file, reason: "\(error)") }
            try applyYAML(text, file: file, to: &request.config)
        }
        for (flag, value) in settings {
            guard let field = ConfigRegistry.byFlag[flag] else { throw .unknownFlag(flag) }
            do { try field.set(&request.config, value) } catch {
                throw .invalidFlagValue(flag: flag, value: value, reason: error.reason)
            }
        }
        try validate(request.config)
        return request
    }

    /// Overlays a YAML document on `config`. Unknown keys are errors, as in Mimir, so a typo
    /// never silently leaves a default in place.
    public static func applyYAML(_ text: String, file: String, to config: inout StrataConfig) throws(ConfigError) {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw .invalidYAML(file: file, reason: "\(error)") }
        guard let node else { return }
        try walk(node, path: [], file: file, config: &config)
    }

    private static func walk(_ node: Node, path: [String], file: String, config: inout StrataConfig) throws(ConfigError) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let k = key.scalar?.string else {
                    throw .invalidYAML(file: file, reason: "non-string key under \(path.joined(separator: "."))")
                }
                try walk(value, path: path + [k], file: file, config: &config)
            }
        case .scalar(let scalar):
            let key = path.joined(separator: ".")
            guard let field = ConfigRegistry.byYAMLKey[key] else { throw .unknownYAMLKey(path: key, file: file) }
            do { try field.set(&config, scalar.string) } catch {
                throw .invalidYAMLValue(path: key, value: scalar.string, file: file, reason: error.reason)
            }
        case .sequence(let seq):
            let key = path.joined(separator: ".")
            guard let field = ConfigRegistry.byYAMLKey[key] else { throw .unknownYAMLKey(path: key, file: file) }
            // A list-valued limit (blocked_queries) reads the list as YAML text.
            if field.acceptsYAMLList {
                let text = (try? Yams.serialize(node: node)) ?? ""
                do { try field.set(&config, text) } catch {
                    throw .invalidYAMLValue(path: key, value: "[…]", file: file, reason: error.reason)
                }
                return
            }
            // Mimir's block_ranges_period is a list; Strata uses its first (smallest) entry.
            guard field.kind == .duration, let first = seq.first?.scalar?.string else {
                throw .invalidYAMLValue(path: key, value: "[…]", file: file, reason: "a list is not allowed here")
            }
            do { try field.set(&config, first) } catch {
                throw .invalidYAMLValue(path: key, value: first, file: file, reason: error.reason)
            }
        case .alias:
            throw .invalidYAML(file: file, reason: "aliases are not supported (at \(path.joined(separator: ".")))")
        }
    }

    /// Cross-field checks that no single parser can make.
    static func validate(_ c: StrataConfig) throws(ConfigError) {
        guard (0...65535).contains(c.server.httpListenPort) else {
            throw .invalid("-server.http-listen-port must be between 0 and 65535, got \(c.server.httpListenPort)")
        }
        guard c.tsdb.walSegmentSizeBytes >= 64 * 1024 else {
            throw .invalid("-blocks-storage.tsdb.wal-segment-size-bytes must be at least 65536, got \(c.tsdb.walSegmentSizeBytes)")
        }
        guard c.tsdb.blockRangesPeriod >= .seconds(60) else {
            throw .invalid("-blocks-storage.tsdb.block-ranges-period must be at least 1m")
        }
        guard HeadOptions.samplesPerChunkRange.contains(c.tsdb.samplesPerChunk) else {
            throw .invalid("-blocks-storage.tsdb.samples-per-chunk must be between \(HeadOptions.samplesPerChunkRange.lowerBound) and \(HeadOptions.samplesPerChunkRange.upperBound) (a chunk header counts at most 65535 samples), got \(c.tsdb.samplesPerChunk)")
        }
        guard HeadOptions.samplesPerChunkRange.contains(c.compactor.samplesPerChunk) else {
            throw .invalid("-compactor.samples-per-chunk must be between \(HeadOptions.samplesPerChunkRange.lowerBound) and \(HeadOptions.samplesPerChunkRange.upperBound), got \(c.compactor.samplesPerChunk)")
        }
        guard (0...64).contains(c.querier.evaluationParallelism) else {
            throw .invalid("-querier.evaluation-parallelism must be between 0 (one task per core, up to 8) and 64, got \(c.querier.evaluationParallelism)")
        }
        guard c.compactor.compactionConcurrency >= 1, c.compactor.tenantConcurrency >= 1 else {
            throw .invalid("-compactor.compaction-concurrency and -compactor.tenant-concurrency must be at least 1")
        }
        guard c.compactor.compactionInterval > .zero else {
            throw .invalid("-compactor.compaction-interval must be positive, got \(GoDuration.format(c.compactor.compactionInterval))")
        }
        guard c.tsdb.blockSamplesPerChunk == 0 || HeadOptions.samplesPerChunkRange.contains(c.tsdb.blockSamplesPerChunk) else {
            throw .invalid("-blocks-storage.tsdb.block-samples-per-chunk must be 0 (keep the head's chunks) or between \(HeadOptions.samplesPerChunkRange.lowerBound) and \(HeadOptions.samplesPerChunkRange.upperBound), got \(c.tsdb.blockSamplesPerChunk)")
        }
        if c.bucket.backend == .s3 {
            do { try c.bucket.s3.validate() } catch { throw .invalid("\(error)") }
        }
        for (name, flag) in [(StrataConfig.RingName.ingester, "ingester.ring"), (.storeGateway, "store-gateway.sharding-ring"),
                             (.distributor, "distributor.ring")] {
            let ring = c[ring: name]
            if ring.store == "etcd" && ring.etcdEndpoints.trimmingSpaces.isEmpty {
                throw .invalid("-\(flag).store=etcd needs -\(flag).etcd.endpoints")
            }
            guard ring.replicationFactor >= 1 else {
                throw .invalid("-\(flag).replication-factor must be at least 1, got \(ring.replicationFactor)")
            }
            guard ring.numTokens >= 1 else {
                throw .invalid("-\(flag).num-tokens must be at least 1, got \(ring.numTokens)")
            }
        }
        let ha = c.distributor.haTracker
        if ha.enabled && ha.store == RingStoreKind.etcd.rawValue && ha.etcdEndpoints.trimmingSpaces.isEmpty {
            throw .invalid("-distributor.ha-tracker.store=etcd needs -distributor.ha-tracker.etcd.endpoints")
        }
        let targets = try Targets(c.target)
        for role in [Targets.Role.distributor, .querier] where targets.runs(role) && !targets.runs(.ingester) {
            if c.ingesterRing.store == RingStoreKind.inMemory.rawValue {
                throw .invalid("-target=\(role.rawValue) without an ingester in the same process finds ingesters through a shared ring: "
                    + "set -ingester.ring.store=etcd and -ingester.ring.etcd.endpoints (an in-memory ring is private to one process)")
            }
        }
    }
}

/// Reads a whole text file (config and runtime-config files are small).
public func readTextFile(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}
