import GRPCCore
import StrataIngester
import StrataModel
import StrataRPC
import Testing

@Suite struct PushRoundTripTests {
    static let seriesCount = 3000
    static let samplesPerSeries = 3

    @Test func pushedSamplesReadBackExactlyOverRPC() async throws {
        try await withTempDirectory("roundtrip") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester), QuerierRPCService(queryable: ingester, role: .ingester)])
            let pool = RPCClientPool()

            let batch = makeBatch(series: Self.seriesCount, samplesPerSeries: Self.samplesPerSeries)
            let result = try await pool.ingester(at: server.address, timeout: testCallTimeout).push(tenant: testTenant, batch: batch)
            #expect(result.appendedSamples == Self.seriesCount * Self.samplesPerSeries)
            #expect(result.rejectedSamples.isEmpty)
            #expect(result.firstError == nil)

            let remote = pool.queryable(at: server.address, role: .ingester, timeout: testCallTimeout)
            let request = SelectRequest(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [try nameMatcher("rpc_test_metric")])
            let got = try await remote.select(request)
            let local = try await ingester.select(request)
            #expect(got == local)
            #expect(got.count == Self.seriesCount)

            let expected = expectedSamples(batch)
            var mismatches = 0
            for series in got {
                let samples = decodeSamples(series)
                if samples != expected[series.labels] { mismatches += 1 }
            }
            #expect(mismatches == 0)
            #expect(Set(got.map(\.labels)) == Set(expected.keys))

            let remoteNames = try await remote.labelNames(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [])
            let localNames = try await ingester.labelNames(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [])
            #expect(remoteNames == localNames)
            #expect(remoteNames == [metricNameLabel, "instance", "job"])

            let instanceMatcher = try LabelMatcher(.regexMatch, "instance", "i1.*")
            let remoteValues = try await remote.labelValues(tenant: testTenant, name: "instance", minTime: 0, maxTime: .max,
                                                            matchers: [instanceMatcher])
            let localValues = try await ingester.labelValues(tenant: testTenant, name: "instance", minTime: 0, maxTime: .max,
                                                             matchers: [instanceMatcher])
            #expect(remoteValues == localValues)
            #expect(remoteValues.count == 1111) // i1, i10–i19, i100–i199, i1000–i1999

            await pool.shutdown()
            try await server.stop()
        }
    }

    @Test func rejectionsSurviveTheWire() async throws {
        try await withTempDirectory("reject") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address, timeout: testCallTimeout)

            _ = try await client.push(tenant: testTenant, batch: makeBatch(series: 10, startMs: 2_000_000))
            // Same series, one step earlier: out of order for every series.
            let late = makeBatch(series: 10, startMs: 2_000_000 - 1000)
            let remote = try await client.push(tenant: testTenant, batch: late)
            #expect(remote.appendedSamples == 0)
            #expect(remote.rejectedSamples == [.sampleOutOfOrder: 10])
            let first = try #require(remote.firstError)
            #expect(first.id == .sampleOutOfOrder)
            #expect(first.message.contains(ErrorID.sampleOutOfOrder.id))
            #expect(first.message.contains("rpc_test_metric"))

            // The in-process answer to the same push is the same.
            let local = try await ingester.push(tenant: testTenant, batch: late)
            #expect(local == remote)

            await pool.shutdown()
            try await server.stop()
        }
    }
}
