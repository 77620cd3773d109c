import StrataIngester
import StrataModel
import StrataRPC
import Testing

@Suite struct ConcurrentPushTests {
    static let tasks = 8
    static let pushesPerTask = 10
    static let seriesPerPush = 200

    @Test func parallelPushesThroughOnePooledClientAllSucceed() async throws {
        try await withTempDirectory("concurrent") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester), QuerierRPCService(queryable: ingester, role: .ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address, timeout: testCallTimeout)

            let appended = try await withThrowingTaskGroup(of: Int.self) { group in
                for t in 0..<Self.tasks {
                    group.addTask {
                        var total = 0
                        for p in 0..<Self.pushesPerTask {
                            // Each task owns its series (job label); pushes move forward in time.
                            let batch = makeBatch(series: Self.seriesPerPush, startMs: 1_000_000 + Int64(p) * 15_000, job: "task\(t)")
                            total += try await client.push(tenant: testTenant, batch: batch).appendedSamples
                        }
                        return total
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(appended == Self.tasks * Self.pushesPerTask * Self.seriesPerPush)
            #expect(pool.connectedAddresses == [server.address])

            let got = try await pool.queryable(at: server.address, role: .ingester, timeout: testCallTimeout)
                .select(SelectRequest(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [try nameMatcher("rpc_test_metric")]))
            #expect(got.count == Self.tasks * Self.seriesPerPush)
            #expect(got.allSatisfy { decodeSamples($0).count == Self.pushesPerTask })

            await pool.shutdown()
            try await server.stop()
        }
    }
}
