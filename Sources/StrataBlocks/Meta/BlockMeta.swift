import Foundation

/// The contents of a block's `meta.json`, as Prometheus writes it, plus the `thanos` section
/// Thanos and Mimir add (the tenant travels in `thanos.labels["__org_id__"]`).
public struct BlockMeta: Sendable, Equatable, Codable {
    /// The label under `thanos.labels` that names the tenant (Thanos receive and Mimir).
    public static let tenantLabel = "__org_id__"

    /// Sample, series and chunk counts.
    public struct Stats: Sendable, Equatable, Codable {
        /// Samples in all chunks.
        public var numSamples: UInt64
        /// Series in the index.
        public var numSeries: UInt64
        /// Chunks in the segment files.
        public var numChunks: UInt64
        /// Creates stats.
        public init(numSamples: UInt64 = 0, numSeries: UInt64 = 0, numChunks: UInt64 = 0) {
            self.numSamples = numSamples
            self.numSeries = numSeries
            self.numChunks = numChunks
        }
    }

    /// Compaction lineage: level 1 for a block cut from a head, sources are the level-1 ULIDs.
    public struct Compaction: Sendable, Equatable, Codable {
        /// 1 for a block cut from a head; compaction raises it.
        public var level: Int
        /// ULIDs of the level-1 blocks this block was built from (itself at level 1).
        public var sources: [String]
        /// Creates a compaction record.
        public init(level: Int, sources: [String]) {
            self.level = level
            self.sources = sources
        }
    }

    /// Thanos downsampling resolution (0 = raw data).
    public struct Downsample: Sendable, Equatable, Codable {
        /// Downsampling step in ms; 0 for raw samples.
        public var resolution: Int64
        /// Creates a downsample record.
        public init(resolution: Int64 = 0) { self.resolution = resolution }
    }

    /// The `thanos` section: external labels, downsampling and which component wrote the block.
    public struct Thanos: Sendable, Equatable, Codable {
        /// External labels; `__org_id__` holds the tenant.
        public var labels: [String: String]
        /// Downsampling of the block.
        public var downsample: Downsample
        /// The component that wrote the block (e.g. `receive`, `compactor`, `strata`).
        public var source: String
        /// Creates a Thanos section.
        public init(labels: [String: String] = [:], downsample: Downsample = Downsample(), source: String) {
            self.labels = labels
            self.downsample = downsample
            self.source = source
        }
    }

    /// The block ID (also its directory name).
    public var ulid: String
    /// Earliest sample timestamp, ms, inclusive.
    public var minTime: Int64
    /// One past the latest sample timestamp, ms (exclusive, as Prometheus).
    public var maxTime: Int64
    /// Sample, series and chunk counts.
    public var stats: Stats
    /// Compaction level and source blocks.
    public var compaction: Compaction
    /// Always 1.
    public var version: Int
    /// Present on blocks written for Thanos/Mimir-style object storage.
    public var thanos: Thanos?
    /// Strata's per-metric series counts (`BlockMeta+Strata.swift`); nil in blocks written elsewhere.
    public var strata: Strata?

    /// Creates a meta.
    public init(ulid: String, minTime: Int64, maxTime: Int64, stats: Stats, compaction: Compaction,
                version: Int = BlockFormat.metaVersion, thanos: Thanos? = nil, strata: Strata? = nil) {
        self.ulid = ulid
        self.minTime = minTime
        self.maxTime = maxTime
        self.stats = stats
        self.compaction = compaction
        self.version = version
        self.thanos = thanos
        self.strata = strata
    }

    /// The tenant recorded in `thanos.labels`, if any.
    public var tenant: String? { thanos?.labels[Self.tenantLabel] }

    /// Parses and validates `meta.json` bytes; `path` is used in errors.
    public static func decode(_ data: [UInt8], path: String) throws(BlockError) -> BlockMeta {
        let meta: BlockMeta
        do {
            meta = try JSONDecoder().decode(BlockMeta.self, from: Data(data))
        } catch {
            throw .invalidMeta(path: path, reason: "\(error)")
        }
        guard meta.version == BlockFormat.metaVersion else {
            throw .invalidMeta(path: path, reason: "version \(meta.version), only \(BlockFormat.metaVersion) is supported")
        }
        guard ULID(meta.ulid) != nil else { throw .invalidMeta(path: path, reason: "ulid \"\(meta.ulid)\" is not a ULID") }
        guard meta.minTime <= meta.maxTime else {
            throw .invalidMeta(path: path, reason: "minTime \(meta.minTime) is after maxTime \(meta.maxTime)")
        }
        return meta
    }

    /// The JSON Prometheus writes (Go `json.MarshalIndent` with a tab, fields in Go struct order,
    /// map keys sorted), so the file is byte-identical to one Prometheus/Thanos would write.
    public func encoded() -> [UInt8] {
        var o = "{\n"
        o += "\t\"ulid\": \(Self.quote(ulid)),\n"
        o += "\t\"minTime\": \(minTime),\n"
        o += "\t\"maxTime\": \(maxTime),\n"
        o += "\t\"stats\": {\n"
        o += "\t\t\"numSamples\": \(stats.numSamples),\n"
        o += "\t\t\"numSeries\": \(stats.numSeries),\n"
        o += "\t\t\"numChunks\": \(stats.numChunks)\n"
        o += "\t},\n"
        o += "\t\"compaction\": {\n"
        o += "\t\t\"level\": \(compaction.level)"
        if !compaction.sources.isEmpty {
            o += ",\n\t\t\"sources\": [\n"
            o += compaction.sources.map { "\t\t\t\(Self.quote($0))" }.joined(separator: ",\n")
            o += "\n\t\t]"
        }
        o += "\n\t},\n"
        o += "\t\"version\": \(version)"
        if let thanos {
            o += ",\n\t\"thanos\": {\n"
            if thanos.labels.isEmpty {
                o += "\t\t\"labels\": {},\n"
            } else {
                o += "\t\t\"labels\": {\n"
                let keys = thanos.labels.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                o += keys.map { "\t\t\t\(Self.quote($0)): \(Self.quote(thanos.labels[$0] ?? ""))" }.joined(separator: ",\n")
                o += "\n\t\t},\n"
            }
            o += "\t\t\"downsample\": {\n\t\t\t\"resolution\": \(thanos.downsample.resolution)\n\t\t},\n"
            o += "\t\t\"source\": \(Self.quote(thanos.source))\n"
            o += "\t}"
        }
        if let strata { o += ",\n" + strata.encodedLines() }
        o += "\n}"
        return Array(o.utf8)
    }

    /// Go `encoding/json` string quoting (HTML-safe escapes included, as Go's default).
    static func quote(_ s: String) -> String {
        var out = "\""
        let hex: [Character] = Array("0123456789abcdef")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{00}"..."\u{1f}":
                let v = u.value
                out += "\\u"
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(shift)) & 0xf)]) }
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
