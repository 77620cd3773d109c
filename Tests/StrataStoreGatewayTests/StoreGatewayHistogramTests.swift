import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataChunks
import StrataModel
import StrataObjstore
import StrataStoreGateway
import Testing

/// A block holding native histogram chunks, read back through the store-gateway's range reads:
/// every chunk comes back with its encoding and bytes, cold and from the caches.
@Suite("StoreGateway: native histogram chunks")
struct StoreGatewayHistogramTests {
    @Test("histogram and float-histogram chunks are answered with their encoding and bytes, cold and warm")
    func histogramChunks() async throws {
        let local = try makeTempDir("hist")
        let root = try makeTempDir("hist-bucket")
        let syncDir = try makeTempDir("hist-sync")
        defer {
            for dir in [local, root, syncDir] { try? FileManager.default.removeItem(atPath: dir) }
        }
        let start = TestBlocks.start
        var ints: [HistogramSample] = []
        for i in 0..<200 {
            let n = UInt64(i)
            let h = Histogram(schema: 1, zeroThreshold: 0.001, zeroCount: n, count: 3 * n, sum: Double(i),
                              positiveSpans: [HistogramSpan(offset: 2, length: 2)], positiveBuckets: [Int64(i), 0])
            ints.append(HistogramSample(timestamp: start + Int64(i) * 15_000, histogram: h))
        }
        var floats: [FloatHistogramSample] = []
        for i in 0..<50 {
            let v = Double(i) + 0.5
            let h = FloatHistogram(counterResetHint: .gauge, count: v, sum: 2,
                                   positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [v])
            floats.append(FloatHistogramSample(timestamp: start + Int64(i) * 15_000, histogram: h))
        }
        var xor = XORChunk()
        for i in 0..<50 { xor.append(timestamp: start + Int64(i) * 15_000, value: Double(i)) }
        let series = [
            BlockSeries(labels: Labels(["__name__": "latency", "job": "api"]), chunks: HistogramRechunker.chunks(of: ints)),
            BlockSeries(labels: Labels(["__name__": "queue", "job": "api"]), chunks: HistogramRechunker.chunks(of: floats)),
            BlockSeries(labels: Labels(["__name__": "up", "job": "api"]), chunks: [xor.encoded()]),
        ].sorted { $0.labels < $1.labels }
        let meta = try TestBlocks.write(series, local: local)
        let bucket = try FilesystemBucket(root: root)
        try await TestBlocks.upload(meta, local: local, to: bucket)
        let tenant = TestBlocks.tenant
        try await BucketIndex.update(bucket: bucket, tenant: tenant, old: nil, now: 1_700_000_000).write(bucket: bucket, tenant: tenant)

        let gateway = StoreGateway(bucket: bucket, config: StoreGateway.Config(syncDirectory: syncDir), logger: testLogger())
        try await gateway.sync()
        let request = SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: [try m(.equal, "job", "api")])
        let cold = try await gateway.select(request)
        let wantLabels: [Labels] = series.map { $0.labels }
        let wantChunks: [[EncodedChunk]] = series.map { $0.chunks }
        #expect(cold.map { $0.labels } == wantLabels)
        #expect(cold.map { $0.chunks } == wantChunks)
        #expect(cold.flatMap(\.chunks).map(\.encoding).sorted { $0.rawValue < $1.rawValue }.first == .xor)
        #expect(cold.first { $0.labels["__name__"] == "latency" }?.chunks.allSatisfy { $0.encoding == .histogram } == true)
        #expect(cold.first { $0.labels["__name__"] == "queue" }?.chunks.allSatisfy { $0.encoding == .floatHistogram } == true)
        #expect(try await gateway.select(request) == cold)
    }
}
