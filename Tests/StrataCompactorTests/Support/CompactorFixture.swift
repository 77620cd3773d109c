import Foundation
import Logging
import Metrics
import StrataBlocks
import StrataBucketIndex
import StrataChunks
@testable import StrataCompactor
import StrataModel
import StrataObjstore
import StrataTestSupport

/// A filesystem bucket in a temporary directory, blocks uploaded to it as ingesters ship them,
/// and a compactor over it with a clock the test moves.
final class CompactorFixture: @unchecked Sendable {
    static let hour: Int64 = 3_600_000
    /// A 24 h-aligned start (all block ranges align to it).
    static let start: Int64 = 19_700 * 24 * hour
    static let scrape: Int64 = 15_000

    let root: String
    let bucket: FilesystemBucket
    private let lock = NSLock()
    private var now: Int64

    init() throws {
        root = NSTemporaryDirectory() + "strata-compactor-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/bucket", withIntermediateDirectories: true)
        bucket = try FilesystemBucket(root: root + "/bucket")
        now = (Self.start + 40 * 24 * Self.hour) / 1000
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Unix seconds as the compactor sees them.
    var clock: @Sendable () -> Int64 { { [self] in lock.withLock { now } } }

    func advance(seconds: Int64) { lock.withLock { now += seconds } }

    /// A compactor with no waiting, no deletion delay unless given, downsampling off unless configured.
    func compactor(_ configure: (inout CompactorConfig) -> Void = { _ in },
                   settings: CompactorTenantSettings = CompactorTenantSettings(),
                   bucket: (any Bucket)? = nil, metrics: (any MetricsFactory)? = nil) -> Compactor {
        var config = CompactorConfig()
        config.dataDirectory = root + "/work"
        config.firstLevelCompactionWaitPeriod = .zero
        config.deletionDelay = .seconds(3600)
        config.downsamplingEnabled = false
        configure(&config)
        var logger = Logger(label: "compactor-test")
        logger.logLevel = .warning
        return Compactor(bucket: bucket ?? self.bucket, config: config, settings: { _ in settings },
                         metricsFactory: metrics ?? NOOPMetricsHandler.instance, logger: logger, clock: clock)
    }

    /// Series `metric{instance="i"}` for `i` in `instances`, one sample per `step` in
    /// `[from, to)`, value `f(i, t)`.
    static func series(_ instances: Range<Int>, from: Int64, to: Int64, step: Int64 = scrape,
                       skip: (Int, Int64) -> Bool = { _, _ in false },
                       value: (Int, Int64) -> Double = { i, t in Double(i) * 1000 + Double(t / 15_000 % 1000) }) -> [(Labels, [Sample])] {
        instances.map { i in
            let labels = Labels(["__name__": "metric", "instance": "host-\(i)", "job": i % 2 == 0 ? "api" : "web"])
            var samples: [Sample] = []
            var t = from
            while t < to {
                if !skip(i, t) { samples.append(Sample(timestamp: t, value: value(i, t))) }
                t += step
            }
            return (labels, samples)
        }
    }

    /// Writes a raw block of `series` covering `[minTime, maxTime)` for `tenant` and uploads it,
    /// `meta.json` last; returns its ID. `ulid` fixes the ID (and so its order among replicas).
    @discardableResult
    func upload(_ series: [(Labels, [Sample])], tenant: String, minTime: Int64, maxTime: Int64,
                ulid: ULID? = nil, resolution: Int64 = 0, chunks: (([Sample]) -> [EncodedChunk])? = nil) async throws -> String {
        let dir = root + "/local-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let blocks = series.sorted { $0.0 < $1.0 }.map { labels, samples in
            BlockSeries(labels: labels, chunks: chunks?(samples) ?? Rechunker.chunks(of: samples, samplesPerChunk: 120))
        }.filter { !$0.chunks.isEmpty }
        let thanos = BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: tenant], downsample: .init(resolution: resolution), source: "receive")
        let meta = try BlockWriter.write(parentDirectory: dir, series: blocks, ulid: ulid, thanos: thanos, minTime: minTime, maxTime: maxTime)
        let blockDir = dir + "/" + meta.ulid
        for file in try BlockFormat.filesInUploadOrder(blockDirectory: blockDir) {
            try await bucket.upload("\(tenant)/\(meta.ulid)/\(file)", fromFile: blockDir + "/" + file)
        }
        return meta.ulid
    }

    /// The tenant's current bucket index (rebuilt from the bucket).
    func index(_ tenant: String) async throws -> BucketIndex {
        try await BucketIndex.update(bucket: bucket, tenant: TenantID(validating: tenant), old: nil, now: clock())
    }

    /// Blocks of the tenant not marked for deletion.
    func liveBlocks(_ tenant: String) async throws -> [BucketIndex.Block] {
        let index = try await index(tenant)
        let marked = Set(index.blockDeletionMarks.map(\.id))
        return index.blocks.filter { !marked.contains($0.id) }
    }

    /// Downloads a block and opens it.
    func open(_ tenant: String, _ id: String) async throws -> Block {
        let dir = root + "/open/" + id
        var keys: [String] = []
        try await bucket.iter(prefix: "\(tenant)/\(id)/", delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
        for key in keys {
            let path = dir + "/" + key.dropFirst("\(tenant)/\(id)/".count)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try await bucket.download(key, toFile: path)
        }
        return try Block(directory: dir)
    }

    /// Every raw sample of live raw blocks of the tenant, per series, as a reader merging them
    /// would see them, and how many samples the blocks hold in all (duplicates included).
    func liveSamples(_ tenant: String) async throws -> (samples: [Labels: [Sample]], stored: Int) {
        var all: [Labels: [Int64: Double]] = [:]
        var stored = 0
        for block in try await liveBlocks(tenant) where block.resolution == 0 {
            let opened = try await open(tenant, block.id)
            for series in try opened.select(matchers: [try LabelMatcher(.regexMatch, "__name__", ".+")], minTime: .min, maxTime: .max) {
                for chunk in series.chunks {
                    var it = XORIterator(bytes: chunk.data)
                    while let s = it.next() {
                        stored += 1
                        all[series.labels, default: [:]][s.timestamp] = s.value
                    }
                }
            }
        }
        return (all.mapValues { $0.sorted { $0.key < $1.key }.map { Sample(timestamp: $0.key, value: $0.value) } }, stored)
    }
}
