import Foundation
import Logging
import StrataBlocks
import StrataBucketIndex
import StrataChunks
import StrataCompactor
import StrataModel
import StrataObjstore
import StrataPromQL
import StrataStoreGateway
import Testing

/// A downsampled block written the way docs/format/aggr-chunk.md describes Thanos's layout —
/// by an encoder in this test, not by Strata's `AggrChunk` — is served by the store-gateway and
/// answers PromQL as its windows say.
@Suite("Thanos-layout downsampled blocks")
struct ThanosLayoutTests {
    typealias F = CompactorFixture

    /// Go's `binary.PutUvarint`.
    static func uvarint(_ v: Int) -> [UInt8] {
        var v = UInt64(v)
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    /// One aggregate chunk from the format page: five entries of `uvarint(len) | 0x01 | XOR
    /// chunk`, or a lone `0` for an absent aggregate.
    static func aggregateChunk(_ parts: [[Sample]?]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            guard let samples = part else {
                out.append(0)
                continue
            }
            var xor = XORChunk()
            for s in samples { xor.append(timestamp: s.timestamp, value: s.value) }
            out += uvarint(xor.bytes.count)
            out.append(1)
            out += xor.bytes
        }
        return out
    }

    @Test("a 5m block in Thanos's layout answers max_over_time, sum_over_time, count_over_time and rate")
    func thanosBlockIsServed() async throws {
        let f = try F()
        let r: Int64 = 300_000
        let windows = 288 // one day
        let lo = F.start
        // Window k ends at lo + (k+1)·r − 1; 20 samples per window with values 10k … 10k+19 (a counter).
        var count: [Sample] = [], sum: [Sample] = [], min: [Sample] = [], max: [Sample] = [], counter: [Sample] = []
        counter.append(Sample(timestamp: lo + 7_000, value: 0))
        for k in 0..<windows {
            let t = lo + Int64(k + 1) * r - 1
            let base = Double(k * 20)
            count.append(Sample(timestamp: t, value: 20))
            sum.append(Sample(timestamp: t, value: (0..<20).reduce(0) { $0 + base + Double($1) }))
            min.append(Sample(timestamp: t, value: base))
            max.append(Sample(timestamp: t, value: base + 19))
            counter.append(Sample(timestamp: t, value: base + 19))
        }
        counter.append(Sample(timestamp: lo + Int64(windows) * r - 1, value: Double(windows * 20 - 1)))
        // Two chunks, as Thanos cuts them: the first 140 windows and the rest.
        var chunks: [EncodedChunk] = []
        for range in [0..<140, 140..<windows] {
            let cut = { (s: [Sample]) in Array(s[range]) }
            var c = cut(counter.dropFirst().dropLast().map { $0 })
            c.insert(range.lowerBound == 0 ? counter[0] : Sample(timestamp: lo + Int64(range.lowerBound) * r + 7_000, value: Double(range.lowerBound * 20)), at: 0)
            c.append(Sample(timestamp: c[c.count - 1].timestamp, value: c[c.count - 1].value))
            let bytes = Self.aggregateChunk([cut(count), cut(sum), cut(min), cut(max), c])
            chunks.append(EncodedChunk(minTime: count[range.lowerBound].timestamp, maxTime: count[range.upperBound - 1].timestamp,
                                       encoding: .aggregate, data: bytes))
        }
        let dir = f.root + "/thanos"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let labels = Labels(["__name__": "events_total", "job": "thanos"])
        let thanos = BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: "t"], downsample: .init(resolution: r), source: "compactor")
        let meta = try BlockWriter.write(parentDirectory: dir, series: [BlockSeries(labels: labels, chunks: chunks)], thanos: thanos,
                                         minTime: lo, maxTime: lo + 24 * F.hour)
        #expect(meta.stats.numSamples == UInt64(windows), "Thanos counts a downsampled chunk's windows as its samples")
        for file in try BlockFormat.filesInUploadOrder(blockDirectory: dir + "/" + meta.ulid) {
            try await f.bucket.upload("t/\(meta.ulid)/\(file)", fromFile: dir + "/" + meta.ulid + "/" + file)
        }
        var logger = Logger(label: "thanos-layout")
        logger.logLevel = .warning
        let gateway = StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: f.root + "/sync"), logger: logger)
        try await gateway.sync()

        var options = EngineOptions()
        options.sourceResolution = .maximum(r)
        let engine = Engine(options: options)
        let tenant = try TenantID(validating: "t")
        let at = lo + 12 * F.hour
        func value(_ q: String) async throws -> Double? {
            let result = try await engine.instantQuery(q, at: at, tenant: tenant, storage: gateway as any Queryable)
            #expect(result.resolutions == [r], "\(q)")
            guard case .vector(let v) = result.value else { return nil }
            return v.first?.f
        }
        // The hour before `at` is windows 132…143: values 2640 … 2879.
        #expect(try await value("max_over_time(events_total[1h])") == 2879)
        #expect(try await value("min_over_time(events_total[1h])") == 2640)
        #expect(try await value("count_over_time(events_total[1h])") == 240)
        #expect(try await value("sum_over_time(events_total[1h])") == (2640...2879).reduce(0.0) { $0 + Double($1) })
        // 20 a window: 240 an hour, wherever the chunk boundary (window 140) falls.
        let increase = try await value("increase(events_total[1h])")
        #expect(increase.map { abs($0 - 240) / 240 < 0.01 } == true, "\(String(describing: increase))")
        let across = try await engine.instantQuery("increase(events_total[1h])", at: lo + 140 * r + 30 * 60_000, tenant: tenant, storage: gateway as any Queryable)
        guard case .vector(let v) = across.value, let x = v.first?.f else {
            Issue.record("no increase across the chunk boundary")
            return
        }
        #expect(abs(x - 240) / 240 < 0.01, "increase across the chunk boundary: \(x)")
    }
}
