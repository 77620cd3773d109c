import Synchronization
import StrataChunks
import StrataModel

/// A `Queryable` over series held in memory, for engine tests, the conformance runner and the
/// query fuzzer.
///
/// Samples are stored as real chunks of up to 120 samples (XOR for floats, float-histogram
/// chunks for native histograms, a new chunk wherever a series switches kinds), so the engine
/// reads them through the same decoding path as head and block data.
public final class MemoryQueryable: Queryable, @unchecked Sendable {
    /// Series by labels; each holds its samples (floats and histograms) in time order.
    private var series: [Labels: [MixedSample]] = [:]
    /// Each series' chunks, cut when first selected after a change.
    private let encoded = Mutex<[Labels: [EncodedChunk]]>([:])

    /// An empty store.
    public init() {}

    /// Appends float samples (in time order, after any already held) to the series `labels`.
    public func add(_ labels: Labels, _ samples: [Sample]) {
        add(labels, mixed: samples.map { MixedSample(timestamp: $0.timestamp, f: $0.value, h: nil) })
    }

    /// Appends native histogram samples to the series `labels`.
    public func add(_ labels: Labels, histograms: [FloatHistogramSample]) {
        add(labels, mixed: histograms.map { MixedSample(timestamp: $0.timestamp, f: 0, h: $0.histogram) })
    }

    /// Appends samples of either kind to the series `labels`; a later sample at a timestamp
    /// already held replaces it.
    public func add(_ labels: Labels, mixed samples: [MixedSample]) {
        var existing = series[labels, default: []]
        existing.append(contentsOf: samples)
        // Stable, so that of two samples at one time the later one is kept below.
        let sorted = existing.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        var unique: [MixedSample] = []
        unique.reserveCapacity(sorted.count)
        for s in sorted {
            if let last = unique.last, last.timestamp == s.timestamp { unique[unique.count - 1] = s } else { unique.append(s) }
        }
        series[labels] = unique
        encoded.withLock { $0[labels] = nil }
    }

    /// Removes every series.
    public func clear() {
        series.removeAll()
        encoded.withLock { $0.removeAll() }
    }

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
            guard samples.contains(where: { $0.timestamp >= request.minTime && $0.timestamp <= request.maxTime }) else { continue }
            // Whole chunks overlapping the range, cut from the whole series as the head cuts
            // them: where a chunk starts decides the counter-reset hints histograms are read with.
            let all: [EncodedChunk]
            if let known = encoded.withLock({ $0[labels] }) {
                all = known
            } else {
                all = Self.encode(mixed: samples)
                encoded.withLock { $0[labels] = all }
            }
            let chunks = all.filter { $0.maxTime >= request.minTime && $0.minTime <= request.maxTime }
            out.append(QuerySeries(labels: labels, chunks: chunks))
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

    private func matching(_ labels: Labels, _ samples: [MixedSample], _ minTime: Int64, _ maxTime: Int64,
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

    /// Cuts samples of either kind into chunks: runs of floats into XOR chunks, runs of
    /// histograms into float-histogram chunks (`HistogramRechunker`, which also starts a chunk at
    /// a counter reset, as the head does). A float staleness marker right after a histogram is
    /// stored as a histogram staleness marker, as Prometheus's head appends it.
    public static func encode(mixed samples: [MixedSample]) -> [EncodedChunk] {
        var chunks: [EncodedChunk] = []
        var floats: [Sample] = []
        var histograms: [FloatHistogramSample] = []
        func flush() {
            if !floats.isEmpty { chunks.append(contentsOf: encode(floats)); floats.removeAll() }
            if !histograms.isEmpty { chunks.append(contentsOf: HistogramRechunker.chunks(of: histograms)); histograms.removeAll() }
        }
        var lastWasHistogram = false
        for s in samples {
            if let h = s.h {
                if !floats.isEmpty { flush() }
                histograms.append(FloatHistogramSample(timestamp: s.timestamp, histogram: h))
                lastWasHistogram = true
            } else if lastWasHistogram && StaleNaN.isStale(s.f) {
                histograms.append(FloatHistogramSample(timestamp: s.timestamp, histogram: .staleMarker))
            } else {
                if !histograms.isEmpty { flush() }
                floats.append(Sample(timestamp: s.timestamp, value: s.f))
                lastWasHistogram = false
            }
        }
        flush()
        return chunks
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
