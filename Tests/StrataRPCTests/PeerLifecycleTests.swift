import StrataIngester
import StrataModel
import StrataRPC
import Testing

@Suite struct PeerLifecycleTests {
    static let pushTimeout: Duration = .milliseconds(500)
    /// A stalled ingester answers far later than the deadline (the server's stop then waits for
    /// it: a push in flight always finishes).
    static let stall: Duration = .seconds(3)
    /// Scheduling slack on a loaded 2-core machine.
    // Generous: the whole test suite shares 2 cores, so the assertion is "fails instead of
    // hanging", not a latency figure.
    static let slack: Duration = .seconds(90)
    /// How long a restarted peer may take to be reached again: the longest reconnect backoff
    /// plus slack.
    static let reconnectWithin: Duration = RPCDefaults.reconnectBackoffMax + .seconds(5)
    static let retryInterval: Duration = .milliseconds(100)
    /// How long the ingester takes over the push that is in flight while its server stops.
    static let inFlightDelay: Duration = .milliseconds(900)

    @Test func stalledIngesterFailsAtTheDeadline() async throws {
        let server = try await startServer([IngesterRPCService(ingester: SlowIngester(delay: Self.stall))])
        let pool = RPCClientPool()
        let started = ContinuousClock.now
        await #expect {
            try await pool.ingester(at: server.address, timeout: Self.pushTimeout).push(tenant: testTenant, batch: makeBatch(series: 1))
        } throws: { error in
            guard case IngesterError.unavailable(let why) = error else { return false }
            return why.hasPrefix("ingester \(server.address): no answer within") && why.contains("-distributor.remote-timeout")
        }
        #expect(ContinuousClock.now - started < Self.pushTimeout + Self.slack)
        await pool.shutdown()
        try await server.stop()
    }

    @Test func gracefulStopFinishesTheCallInFlightThenRefuses() async throws {
        let slow = SlowIngester(delay: Self.inFlightDelay)
        let server = try await startServer([IngesterRPCService(ingester: slow)])
        let pool = RPCClientPool()
        // The suite's generous call timeout: this test is about the graceful stop, and a busy
        // machine must not turn the slow ingester's delay into a deadline failure.
        let client = pool.ingester(at: server.address, timeout: testCallTimeout)
        let inFlight = Task { try await client.push(tenant: testTenant, batch: makeBatch(series: 4)) }
        // Stop once the push has reached the ingester.
        var arrivals = slow.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        try await server.stop()
        #expect(try await inFlight.value.appendedSamples == 4)
        await #expect(throws: IngesterError.self) {
            try await client.push(tenant: testTenant, batch: makeBatch(series: 4))
        }
        await pool.shutdown()
    }

    @Test func slowReadFailsAtTheDeadlineAndIsCancelledOnTheServer() async throws {
        let server = try await startServer([QuerierRPCService(queryable: FixedQueryable(delay: Self.stall * 10), role: .storeGateway)])
        let pool = RPCClientPool()
        let started = ContinuousClock.now
        await #expect {
            try await pool.queryable(at: server.address, role: .storeGateway, timeout: Self.pushTimeout)
                .select(SelectRequest(tenant: testTenant, minTime: 0, maxTime: 1, matchers: [try nameMatcher("x")]))
        } throws: { error in
            guard case RemoteQueryError.deadlineExceeded(let peer, let call, _) = error else { return false }
            return peer == "store-gateway \(server.address)" && call == "Select"
        }
        await pool.shutdown()
        // The server's stop does not wait for the abandoned read.
        try await server.stop()
        #expect(ContinuousClock.now - started < Self.pushTimeout + Self.slack)
    }

    @Test func restartedPeerIsReachedAgain() async throws {
        try await withTempDirectory("restart") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let first = try await startServer([IngesterRPCService(ingester: ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: first.address, timeout: testCallTimeout)
            #expect(try await client.push(tenant: testTenant, batch: makeBatch(series: 3)).appendedSamples == 3)

            try await first.stop()
            await #expect(throws: IngesterError.self) {
                try await client.push(tenant: testTenant, batch: makeBatch(series: 3, startMs: 2_000_000))
            }

            // The same port again, as an ingester restarting in place.
            let port = try #require(Int(first.address.split(separator: ":").last ?? ""))
            let restarted = try RPCServer(host: "127.0.0.1", port: port, services: [IngesterRPCService(ingester: ingester)])
            let task = Task<Void, any Error> { try await restarted.run() }
            _ = try await restarted.listeningPort()

            let deadline = ContinuousClock.now + Self.reconnectWithin
            var appended: Int?
            while appended == nil && ContinuousClock.now < deadline {
                do {
                    appended = try await client.push(tenant: testTenant, batch: makeBatch(series: 3, startMs: 3_000_000)).appendedSamples
                } catch {
                    try await Task.sleep(for: Self.retryInterval)
                }
            }
            #expect(appended == 3)

            await pool.shutdown()
            restarted.shutdown()
            try await task.value
        }
    }

    @Test func pushLargerThanGRPCsDefaultLimitIsAccepted() async throws {
        try await withTempDirectory("large") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester), QuerierRPCService(queryable: ingester, role: .ingester)])
            let pool = RPCClientPool()
            // 30k series with a 200-byte label each: about 7 MB of WriteRequest, past the 4 MiB
            // that gRPC servers and clients accept by default.
            let padding = String(repeating: "p", count: 200)
            let base = makeBatch(series: 30_000)
            var batch = SeriesBatch()
            for i in 0..<base.series.count {
                var labels = Array(base.labels(of: i))
                labels.append(Label(name: "padding", value: padding))
                batch.append(labels: Labels(labels), samples: base.samples(of: i))
            }
            let result = try await pool.ingester(at: server.address, timeout: .seconds(60)).push(tenant: testTenant, batch: batch)
            #expect(result.appendedSamples == 30_000)
            let got = try await pool.queryable(at: server.address, role: .ingester, timeout: testCallTimeout)
                .select(SelectRequest(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [try nameMatcher("rpc_test_metric")]))
            #expect(got.count == 30_000)
            await pool.shutdown()
            try await server.stop()
        }
    }
}
