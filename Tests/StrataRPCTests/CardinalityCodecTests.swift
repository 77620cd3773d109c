import GRPCCore
import StrataModel
@testable import StrataRPC
import Testing

@Suite struct CardinalityCodecTests {
    @Test func requestRoundTrips() throws {
        let matchers = [try LabelMatcher(.equal, "job", "a"), try LabelMatcher(.regexMatch, "i", "x.*")]
        let request = CardinalityCallRequest(tenant: testTenant, matchers: matchers, labelNames: ["job", "__name__"],
                                             limit: 500, timeoutMs: 30_000)
        let bytes: [UInt8] = try CardinalityRequestSerializer().serialize(request)
        let decoded = try CardinalityRequestDeserializer(requiresLimit: true).deserialize(bytes)
        #expect(decoded.tenant == testTenant)
        #expect(decoded.matchers.map(\.description) == matchers.map(\.description))
        #expect(decoded.labelNames == ["job", "__name__"])
        #expect(decoded.limit == 500 && decoded.timeoutMs == 30_000)
        // CardinalityIndex ignores the limit.
        #expect(try CardinalityRequestDeserializer(requiresLimit: false).deserialize(bytes).limit == 0)
    }

    @Test func requestBoundsAreEnforced() throws {
        func refused(_ request: CardinalityCallRequest, requiresLimit: Bool, _ text: String) throws {
            let bytes: [UInt8] = try CardinalityRequestSerializer().serialize(request)
            #expect {
                _ = try CardinalityRequestDeserializer(requiresLimit: requiresLimit).deserialize(bytes)
            } throws: { error in
                guard let rpc = error as? RPCError else { return false }
                return rpc.code == .invalidArgument && rpc.message.contains(text)
            }
        }
        let base = CardinalityCallRequest(tenant: testTenant, matchers: [], labelNames: [], limit: 1, timeoutMs: 0)
        var tooMany = base
        tooMany.labelNames = (0...CardinalityRPCLimits.maxLabelNames).map { "l\($0)" }
        try refused(tooMany, requiresLimit: false, "more than \(CardinalityRPCLimits.maxLabelNames) label names")
        var noLimit = base
        noLimit.limit = 0
        try refused(noLimit, requiresLimit: true, "limit 0")
        var hugeLimit = base
        hugeLimit.limit = CardinalityRPCLimits.maxActiveSeries + 1
        try refused(hugeLimit, requiresLimit: true, "limit \(CardinalityRPCLimits.maxActiveSeries + 1)")
        var negative = base
        negative.timeoutMs = -1
        try refused(negative, requiresLimit: false, "negative")
        // No tenant at all.
        #expect(throws: RPCError.self) { _ = try CardinalityRequestDeserializer(requiresLimit: false).deserialize([UInt8]()) }
    }

    @Test func indexRoundTripsAndSizesExactly() throws {
        let index = CardinalityIndex(numSeries: 3, chunkCount: 7, minTime: -5, maxTime: 1_700_000_000_000,
                                     labels: ["__name__": ["m": 3], "id": ["a": 1, "b": 1, "ünï": 1], "empty": ["": 2]])
        let bytes: [UInt8] = try CardinalityIndexSerializer().serialize(index)
        #expect(bytes.count == CardinalityIndexEncoding.size(index))
        #expect(try CardinalityIndexDeserializer().deserialize(bytes) == index)
        let none: [UInt8] = try CardinalityIndexSerializer().serialize(CardinalityIndex())
        #expect(try CardinalityIndexDeserializer().deserialize(none) == CardinalityIndex())
    }

    @Test func activeSeriesRoundTrips() throws {
        let answer = ActiveSeries(series: [Labels(["__name__": "m", "i": "a"]), Labels(["__name__": "m", "i": "b"])], truncated: true)
        let bytes: [UInt8] = try ActiveSeriesSerializer().serialize(answer)
        #expect(bytes.count == ActiveSeriesEncoding.size(answer))
        #expect(try ActiveSeriesDeserializer().deserialize(bytes) == answer)
    }

    @Test func truncatedResponseIsRefused() throws {
        let index = CardinalityIndex(numSeries: 1, labels: ["job": ["a": 1]])
        let bytes: [UInt8] = try CardinalityIndexSerializer().serialize(index)
        #expect {
            _ = try CardinalityIndexDeserializer().deserialize(Array(bytes.dropLast(2)))
        } throws: { error in
            guard let rpc = error as? RPCError else { return false }
            return rpc.code == .internalError && rpc.message.contains(CardinalityMessageName.indexResponse)
        }
    }

    /// An ingester served over gRPC answers what it answers in-process.
    @Test func ingesterAnswersOverTheWire() async throws {
        try await withTempDirectory("cardinality") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            _ = try await ingester.push(tenant: testTenant, batch: makeBatch(series: 40, samplesPerSeries: 2))
            let server = try await startServer([CardinalityRPCService(replica: ingester)])
            let pool = RPCClientPool()
            let remote = pool.cardinality(at: server.address, timeout: testCallTimeout)
            let request = CardinalityRequest(tenant: testTenant, matchers: [try nameMatcher("rpc_test_metric")], limit: 10,
                                             deadline: .now + testCallTimeout)
            let local = try await ingester.cardinalityIndex(request, labelNames: [])
            #expect(try await remote.cardinalityIndex(request, labelNames: []) == local)
            #expect(local.numSeries == 40 && local.labels["instance"]?.count == 40)
            #expect(try await remote.cardinalityIndex(request, labelNames: ["job"]).labels == ["job": ["rpc": 40]])
            let active = try await remote.activeSeries(request)
            #expect(active.series.count == 10 && active.truncated)
            #expect(active == (try await ingester.activeSeries(request)))
            await pool.shutdown()
            try await server.stop()
        }
    }
}
