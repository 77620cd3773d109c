import GRPCCore
import GRPCNIOTransportHTTP2
import StrataModel
@testable import StrataRPC
import Testing

@Suite struct SelectStreamingTests {
    static let seriesCount = 20_000
    static let samplesPerChunk = 120

    @Test func largeSelectArrivesCompleteAndInOrderInSeveralBatches() async throws {
        let series = makeQuerySeries(count: Self.seriesCount, samplesPerChunk: Self.samplesPerChunk)
        let server = try await startServer([QuerierRPCService(queryable: FixedQueryable(series: series), role: .storeGateway)])
        let pool = RPCClientPool()
        let request = SelectRequest(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [try nameMatcher("big")])

        let got = try await pool.queryable(at: server.address, role: .storeGateway, timeout: testCallTimeout).select(request)
        #expect(got.count == series.count)
        #expect(got == series)

        // The same call, counting the stream's messages: more than one, each under the batch
        // size plus one series.
        let client = try pool.client(for: server.address)
        let sizes = try await client.serverStreaming(request: ClientRequest(message: ReadRequest(tenant: testTenant, minTime: 0, maxTime: .max,
                                                                                                  matchers: request.matchers)),
                                                     descriptor: StrataRPCMethods.storeGatewayReads.select,
                                                     serializer: ReadRequestSerializer(name: RPCMessageName.selectRequest),
                                                     deserializer: RawBytes(),
                                                     options: .defaults) { response in
            var sizes: [Int] = []
            for try await message in response.messages { sizes.append(message.count) }
            return sizes
        }
        let largestSeries = series.map(SeriesEncoding.fieldSize).max() ?? 0
        #expect(sizes.count > 1)
        #expect(sizes.allSatisfy { $0 < RPCDefaults.selectBatchBytes + largestSeries })
        #expect(sizes.reduce(0, +) == series.reduce(0) { $0 + SeriesEncoding.fieldSize($1) })

        await pool.shutdown()
        try await server.stop()
    }

    /// One process serving an ingester and a store-gateway: each role's reads reach its own data.
    @Test func ingesterAndStoreGatewayReadsShareOneServer() async throws {
        let recent = makeQuerySeries(count: 3, samplesPerChunk: 5)
        let old = makeQuerySeries(count: 7, samplesPerChunk: 5)
        let server = try await startServer([
            QuerierRPCService(queryable: FixedQueryable(series: recent), role: .ingester),
            QuerierRPCService(queryable: FixedQueryable(series: old), role: .storeGateway),
        ])
        let pool = RPCClientPool()
        let request = SelectRequest(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [try nameMatcher("big")])
        #expect(try await pool.queryable(at: server.address, role: .ingester, timeout: testCallTimeout).select(request) == recent)
        #expect(try await pool.queryable(at: server.address, role: .storeGateway, timeout: testCallTimeout).select(request) == old)
        await pool.shutdown()
        try await server.stop()
    }

    @Test func emptySelectIsAnEmptyStream() async throws {
        let server = try await startServer([QuerierRPCService(queryable: FixedQueryable(), role: .ingester)])
        let pool = RPCClientPool()
        let got = try await pool.queryable(at: server.address, role: .ingester, timeout: testCallTimeout)
            .select(SelectRequest(tenant: testTenant, minTime: 0, maxTime: 1, matchers: [try nameMatcher("none")]))
        #expect(got.isEmpty)
        await pool.shutdown()
        try await server.stop()
    }
}

/// Passes message bytes through untouched (to send or inspect raw protobuf).
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
