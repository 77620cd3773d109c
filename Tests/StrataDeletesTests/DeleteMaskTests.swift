import Foundation
import Logging
import StrataChunks
import StrataDeletes
import StrataModel
import StrataObjstore
import Testing

@Suite("Delete mask")
struct DeleteMaskTests {
    static let a = Labels(["__name__": "m", "job": "x", "secret": "leaked"])
    static let b = Labels(["__name__": "m", "job": "x", "secret": "fine"])

    static func request(_ matchers: [LabelMatcher], _ start: Int64, _ end: Int64, redact: DeleteRequest.Redaction? = nil) -> DeleteRequest {
        DeleteRequest(id: DeleteRequest.makeID(), selectors: ["{…}"], matcherSets: [matchers], startTime: start, endTime: end,
                      createdAt: 0, user: "", redaction: redact)
    }

    static func series(_ labels: Labels, _ range: StrideThrough<Int64>) -> QuerySeries {
        QuerySeries(labels: labels, chunks: Rechunker.chunks(of: range.map { Sample(timestamp: $0, value: Double($0)) }, samplesPerChunk: 7))
    }

    static func samples(_ s: QuerySeries) -> [Int64] {
        var out: [Int64] = []
        for c in s.chunks {
            var it = XORIterator(bytes: c.data)
            while let x = it.next() { out.append(x.timestamp) }
        }
        return out
    }

    @Test("a deletion drops the covered samples of matching series only")
    func deletion() throws {
        let r = Self.request([LabelMatcher(literal: "secret", "leaked")], 10, 20)
        let out = try DeleteMask.apply([Self.series(Self.b, stride(from: 0, through: 30, by: 1)), Self.series(Self.a, stride(from: 0, through: 30, by: 1))].sorted { $0.labels < $1.labels },
                                       requests: [r])
        let byLabels = Dictionary(uniqueKeysWithValues: out.map { ($0.labels, Self.samples($0)) })
        #expect(byLabels[Self.a] == Array(0...9) + Array(21...30))
        #expect(byLabels[Self.b] == Array(0...30))
    }

    @Test("a series deleted whole disappears; a cancelled request does nothing")
    func wholeAndCancelled() throws {
        var r = Self.request([LabelMatcher(literal: "job", "x")], 0, 100)
        #expect(try DeleteMask.apply([Self.series(Self.a, stride(from: 0, through: 30, by: 1))], requests: [r]).isEmpty)
        r.state = .cancelled
        #expect(DeleteMask.relevant([r], minTime: 0, maxTime: 100).isEmpty)
    }

    @Test("a redaction moves the covered samples to the redacted series, merged with one that exists")
    func redaction() throws {
        let r = Self.request([LabelMatcher(literal: "secret", "leaked")], 10, 20, redact: .init(label: "secret", value: "fine"))
        let out = try DeleteMask.apply([Self.series(Self.b, stride(from: 100, through: 110, by: 1)), Self.series(Self.a, stride(from: 0, through: 30, by: 1))].sorted { $0.labels < $1.labels },
                                       requests: [r])
        #expect(out.map(\.labels) == [Self.b, Self.a].sorted())
        let byLabels = Dictionary(uniqueKeysWithValues: out.map { ($0.labels, Self.samples($0).sorted()) })
        #expect(byLabels[Self.a] == Array(0...9) + Array(21...30))
        #expect(byLabels[Self.b] == Array(10...20) + Array(100...110))
    }

    @Test("aggregate chunks lose the windows a deletion covers")
    func aggregates() throws {
        var count = XORChunk(), sum = XORChunk()
        for t in stride(from: Int64(0), through: 9 * 300_000, by: 300_000) {
            count.append(timestamp: t, value: 10)
            sum.append(timestamp: t, value: Double(t))
        }
        let aggr = AggrChunk(count: count, sum: sum, min: nil, max: nil, counter: nil)
        let chunk = EncodedChunk(minTime: 0, maxTime: 9 * 300_000, encoding: .aggregate, data: aggr.encoded())
        let r = Self.request([LabelMatcher(literal: "job", "x")], 300_000, 600_000)
        let out = try #require(try DeleteMask.apply(labels: Self.a, chunks: [chunk], requests: [r]))
        let kept = try AggrChunk(bytes: try #require(out.first?.chunks.first).data)
        #expect(kept.samples(of: .count).map(\.timestamp) == [0] + stride(from: Int64(900_000), through: 9 * 300_000, by: 300_000).map { $0 })
        #expect(kept.bytes(of: .min) == nil)
    }

    @Test("requests survive a round trip through the bucket; cancel works only while pending")
    func store() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-deletes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bucket = try FilesystemBucket(root: dir.path)
        let store = DeleteRequestStore(bucket: bucket)
        let tenant = try TenantID(validating: "t1")
        let r = Self.request([LabelMatcher(literal: "job", "x"), try LabelMatcher(.regexMatch, "secret", "lea.*")], 5, 50,
                             redact: .init(label: "secret", value: "X"))
        try await store.create(r, tenant: tenant)
        let listed = try await store.list(tenant)
        #expect(listed.count == 1)
        #expect(listed.first?.id == r.id && listed.first?.state == .pending && listed.first?.redaction == r.redaction)
        #expect(listed.first?.matches(Self.a) == true && listed.first?.matches(Self.b) == false)
        #expect(try await store.list(try TenantID(validating: "t2")).isEmpty)
        try await store.markProcessed(tenant, id: r.id, now: 99, blocksRewritten: 1)
        await #expect(throws: DeletesError.notPending(id: r.id, state: .processed)) { try await store.cancel(tenant, id: r.id, user: "", now: 100) }
        await #expect(throws: DeletesError.unknownRequest(id: "nope")) { try await store.cancel(tenant, id: "nope", user: "", now: 100) }
        let cache = DeleteRequestsCache(store: store, ttl: .seconds(60), logger: Logger(label: "test"))
        let generation = await cache.generation(tenant)
        #expect(!generation.isEmpty)
        #expect(await cache.generation(try TenantID(validating: "t2")).isEmpty)
        #expect(try await TenantDeletionMark.read(bucket: bucket, tenant: tenant) == nil)
    }
}
