import GRPCCore
import StrataIngester
import StrataModel
@testable import StrataRPC
import Testing

@Suite struct ErrorPathTests {
    /// How long a call to a dead peer may take at most: its deadline plus scheduling slack on a
    /// loaded 2-core machine.
    static let deadPeerDeadline: Duration = .seconds(5)
    // Generous: the whole test suite shares 2 cores (one kept busy in CI's busy-machine runs,
    // where a call with a 5 s deadline once returned after 104 s for want of a free thread), so
    // the assertion is "fails instead of hanging", not a latency figure.
    static let slack: Duration = .seconds(300)

    @Test func ingesterUnavailableTravelsAsUnavailable() async throws {
        let server = try await startServer([IngesterRPCService(ingester: FailingIngester(error: .unavailable("replaying the WAL")))])
        let pool = RPCClientPool()
        await #expect {
            try await pool.ingester(at: server.address, timeout: testCallTimeout).push(tenant: testTenant, batch: makeBatch(series: 1))
        } throws: { error in
            guard case IngesterError.unavailable(let why) = error else { return false }
            return why == "ingester \(server.address): replaying the WAL"
        }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func ingesterStorageFailureTravelsAsStorage() async throws {
        let server = try await startServer([IngesterRPCService(ingester: FailingIngester(error: .storage("disk full")))])
        let pool = RPCClientPool()
        await #expect {
            try await pool.ingester(at: server.address, timeout: testCallTimeout).push(tenant: testTenant, batch: makeBatch(series: 1))
        } throws: { error in
            guard case IngesterError.storage(let why) = error else { return false }
            return why == "ingester \(server.address): disk full"
        }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func deadAddressFailsWithinTheDeadlineNamingTheAddress() async throws {
        let address = try deadAddress()
        let pool = RPCClientPool()
        let started = ContinuousClock.now
        await #expect {
            try await pool.ingester(at: address, timeout: Self.deadPeerDeadline).push(tenant: testTenant, batch: makeBatch(series: 1))
        } throws: { error in
            guard case IngesterError.unavailable(let why) = error else { return false }
            return why.hasPrefix("ingester \(address): ")
        }
        #expect(ContinuousClock.now - started < Self.deadPeerDeadline + Self.slack)

        let readStarted = ContinuousClock.now
        await #expect {
            try await pool.queryable(at: address, role: .storeGateway, timeout: Self.deadPeerDeadline)
                .labelNames(tenant: testTenant, minTime: 0, maxTime: 1, matchers: [])
        } throws: { error in
            guard let e = error as? RemoteQueryError else { return false }
            switch e {
            case .unavailable(let peer, let call, _), .failed(let peer, let call, _), .invalidRequest(let peer, let call, _):
                return peer == "store-gateway \(address)" && call == "LabelNames" && e.description.contains(address)
            case .deadlineExceeded(let peer, _, _):
                return peer == "store-gateway \(address)"
            }
        }
        #expect(ContinuousClock.now - readStarted < Self.deadPeerDeadline + Self.slack)
        await pool.shutdown()
    }

    @Test func callsAfterTheServerStoppedFailCleanly() async throws {
        try await withTempDirectory("stopped") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester), QuerierRPCService(queryable: ingester, role: .ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address, timeout: testCallTimeout)
            let first = try await client.push(tenant: testTenant, batch: makeBatch(series: 5))
            #expect(first.appendedSamples == 5)

            try await server.stop()

            let started = ContinuousClock.now
            await #expect {
                try await client.push(tenant: testTenant, batch: makeBatch(series: 5, startMs: 2_000_000))
            } throws: { error in
                guard case IngesterError.unavailable(let why) = error else { return false }
                return why.hasPrefix("ingester \(server.address): ")
            }
            await #expect(throws: RemoteQueryError.self) {
                try await pool.queryable(at: server.address, role: .ingester, timeout: Self.deadPeerDeadline)
                    .select(SelectRequest(tenant: testTenant, minTime: 0, maxTime: .max, matchers: [try nameMatcher("rpc_test_metric")]))
            }
            #expect(ContinuousClock.now - started < (Self.deadPeerDeadline + Self.slack) * 2)
            await pool.shutdown()
        }
    }

    @Test func removedAndShutDownPoolsRefuseCleanly() async throws {
        try await withTempDirectory("pool") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address, timeout: testCallTimeout)
            _ = try await client.push(tenant: testTenant, batch: makeBatch(series: 1))
            #expect(pool.connectedAddresses == [server.address])

            // A removed peer is reconnected on its next use.
            pool.remove(server.address)
            #expect(pool.connectedAddresses.isEmpty)
            let again = try await client.push(tenant: testTenant, batch: makeBatch(series: 1, startMs: 2_000_000))
            #expect(again.appendedSamples == 1)

            await pool.shutdown()
            #expect(pool.connectedAddresses.isEmpty)
            await #expect {
                try await client.push(tenant: testTenant, batch: makeBatch(series: 1, startMs: 3_000_000))
            } throws: { error in
                guard case IngesterError.unavailable(let why) = error else { return false }
                return why.contains("shut down")
            }
            try await server.stop()
        }
    }

    @Test func invalidAddressIsReportedNotCrashed() async throws {
        let pool = RPCClientPool()
        await #expect {
            try await pool.ingester(at: "no-port-here").push(tenant: testTenant, batch: makeBatch(series: 1))
        } throws: { error in
            guard case IngesterError.unavailable(let why) = error else { return false }
            return why.contains("no-port-here") && why.contains("port is missing")
        }
        await pool.shutdown()
    }

    @Test func garbageRequestIsInvalidArgument() async throws {
        let server = try await startServer([IngesterRPCService(ingester: FailingIngester(error: .storage("must not be called"))),
                                            QuerierRPCService(queryable: FixedQueryable(), role: .ingester)])
        let pool = RPCClientPool()
        let client = try pool.client(for: server.address)
        // A tag with wire type 7 (undefined), then a length running past the end.
        let garbage: [UInt8] = [0x0f, 0xff, 0x12, 0x7f, 0x01]
        for method in [StrataRPCMethods.push, StrataRPCMethods.ingesterReads.labelNames] {
            await #expect {
                _ = try await client.unary(request: ClientRequest(message: garbage), descriptor: method,
                                           serializer: RawBytes(), deserializer: RawBytes(), options: .defaults) { try $0.message }
            } throws: { error in
                guard let rpc = error as? RPCError else { return false }
                return rpc.code == .invalidArgument && rpc.message.contains("malformed")
            }
        }
        // Valid protobuf, but a remote-write body that is not: still the caller's fault.
        let badWriteRequest: [UInt8] = [0x0a, 0x01, 0x61, 0x12, 0x02, 0x0a, 0x05]
        await #expect {
            _ = try await client.unary(request: ClientRequest(message: badWriteRequest), descriptor: StrataRPCMethods.push,
                                       serializer: RawBytes(), deserializer: RawBytes(), options: .defaults) { try $0.message }
        } throws: { error in
            (error as? RPCError)?.code == .invalidArgument
        }
        // No tenant at all.
        await #expect {
            _ = try await client.unary(request: ClientRequest(message: [UInt8]()), descriptor: StrataRPCMethods.push,
                                       serializer: RawBytes(), deserializer: RawBytes(), options: .defaults) { try $0.message }
        } throws: { error in
            guard let rpc = error as? RPCError else { return false }
            return rpc.code == .invalidArgument && rpc.message.contains("tenant")
        }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func invalidRegexIsRefusedAsInvalidRequest() async throws {
        let server = try await startServer([QuerierRPCService(queryable: FixedQueryable(), role: .ingester)])
        let pool = RPCClientPool()
        let client = try pool.client(for: server.address)
        // A Select whose matcher (type 2, name "a", value "(") does not compile.
        let matcher: [UInt8] = [0x08, 0x02, 0x12, 0x01, 0x61, 0x1a, 0x01, 0x28]
        let request: [UInt8] = [0x0a, 0x01, 0x74, 0x22, UInt8(matcher.count)] + matcher
        await #expect {
            _ = try await client.serverStreaming(request: ClientRequest(message: request), descriptor: StrataRPCMethods.ingesterReads.select,
                                                 serializer: RawBytes(), deserializer: RawBytes(), options: .defaults) { response in
                for try await _ in response.messages {}
            }
        } throws: { error in
            guard let rpc = error as? RPCError else { return false }
            return rpc.code == .invalidArgument && rpc.message.contains("error parsing regexp")
        }
        await pool.shutdown()
        try await server.stop()
    }

    @Test func queryableFailureIsInternalWithItsMessage() async throws {
        let server = try await startServer([QuerierRPCService(queryable: FixedQueryable(failure: "index-header of block 01J… is corrupt"), role: .storeGateway)])
        let pool = RPCClientPool()
        let remote = pool.queryable(at: server.address, role: .storeGateway, timeout: testCallTimeout)
        await #expect {
            try await remote.select(SelectRequest(tenant: testTenant, minTime: 0, maxTime: 1, matchers: [try nameMatcher("x")]))
        } throws: { error in
            guard case RemoteQueryError.failed(let peer, let call, let reason) = error else { return false }
            return peer == "store-gateway \(server.address)" && call == "Select" && reason.contains("is corrupt")
                && reason.contains("tenant \(testTenant)")
        }
        await #expect {
            try await remote.labelValues(tenant: testTenant, name: "job", minTime: 0, maxTime: 1, matchers: [])
        } throws: { error in
            guard case RemoteQueryError.failed(_, let call, let reason) = error else { return false }
            return call == "LabelValues" && reason.contains("is corrupt")
        }
        await pool.shutdown()
        try await server.stop()
    }
}
