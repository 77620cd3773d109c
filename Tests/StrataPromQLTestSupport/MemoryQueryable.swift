import StrataChunks
import StrataModel

/// A `Queryable` over series held in memory, for engine tests, the conformance runner and the
/// query fuzzer.
///
/// Samples are stored as real XOR chunks of up to 120 samples, so the engine reads them
/// through the same decoding path as head and block data.
public final class MemoryQueryable: Queryable, @unchecked Sendable {
    /// Series by labels; each holds its samples in time order.
    private var series: [Labels: [Sample]] = [:]

    /// An empty store.
    public init() {}

    /// Appends samples (in time order, after any already held) to the series `labels`.
    public func add(_ labels: Labels, _ samples: [Sample]) {
        var existing = series[labels, default: []]
        existing.append(contentsOf: samples)
        existing.sort { $0.timestamp < $1.timestamp }
        series[labels] = existing
    }

    /// Removes every series.
    public func clear() { series.removeAll() }

    /// The series every matcher of `request` selects, with their samples in its time range.
    ///
    /// A `__query_shard__` matcher keeps only the series of that shard (by `Labels.stableHash`,
    /// as the head and the store-gateway do), so the conformance corpus can run sharded; a
    /// malformed one throws `QueryShardError`.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let (shard, matchers) = try QueryShard.extract(from: request.matchers)
        guard !matchers.isEmpty else { return [] }
        var out: [QuerySeries] = []
        for (labels, samples) in series where Self.selects(labels, matchers, shard) {
            let inRange = samples.filter { $0.timestamp >= request.minTime && $0.timestamp <= request.maxTime }
            guard !inRange.isEmpty else { continue }
            out.append(QuerySeries(labels: labels, chunks: Self.encode(inRange)))
        }
        return out.sorted { $0.labels < $1.labels }
    }

    /// Names of the labels of the selected series (of one shard with a `__query_shard__` matcher).
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        var names = Set<String>()
        for (labels, samples) in series where matching(labels, samples, minTime, maxTime, matchers, shard) {
            for l in labels { names.insert(l.name) }
        }
        return names.sorted()
    }

    /// Values of label `name` of the selected series (of one shard with a `__query_shard__` matcher).
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        var values = Set<String>()
        for (labels, samples) in series where matching(labels, samples, minTime, maxTime, matchers, shard) {
            if let v = labels[name] { values.insert(v) }
        }
        return values.sorted()
    }

    private func matching(_ labels: Labels, _ samples: [Sample], _ minTime: Int64, _ maxTime: Int64,
                          _ matchers: [LabelMatcher], _ shard: QueryShard?) -> Bool {
        Self.selects(labels, matchers, shard) && samples.contains { $0.timestamp >= minTime && $0.timestamp <= maxTime }
    }

    /// Every matcher matches and the series is in `shard` (if any). The shard is tested last:
    /// hashing the labels costs more than comparing a few values.
    private static func selects(_ labels: Labels, _ matchers: [LabelMatcher], _ shard: QueryShard?) -> Bool {
        guard matchers.allSatisfy({ $0.matches(labels[$0.name] ?? "") }) else { return false }
        guard let shard else { return true }
        return shard.contains(labels)
    }

    /// Cuts samples into chunks of at most 120, as the head does.
    public static func encode(_ samples: [Sample]) -> [EncodedChunk] {
        var chunks: [EncodedChunk] = []
        var chunk = XORChunk()
        for s in samples {
            if chunk.count >= XORChunk.maxSamples {
                chunks.append(chunk.encoded())
                chunk = XORChunk()
            }
            chunk.append(timestamp: s.timestamp, value: s.value)
        }
        if chunk.count > 0 { chunks.append(chunk.encoded()) }
        return chunks
    }
}
