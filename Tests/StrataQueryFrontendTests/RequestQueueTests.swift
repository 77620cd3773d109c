import StrataModel
import Testing
@testable import StrataQueryFrontend

@Suite struct RequestQueueTests {
    func item(_ tenant: String, _ n: Int) -> QueuedQuery {
        QueuedQuery(request: rangeRequest("q\(n)", tenant: tenant, start: 0, end: 0, step: 1), tenantKey: tenant)
    }

    @Test func tenantsAreServedRoundRobin() async throws {
        let q = RequestQueue()
        for i in 0..<5 { try q.enqueue(item("heavy", i), maxOutstanding: 100, maxQueriers: 0) }
        try q.enqueue(item("light", 0), maxOutstanding: 100, maxQueriers: 0)
        q.registerQuerier("q1")
        var order: [String] = []
        for _ in 0..<3 {
            if let it = await q.dequeue(querierID: "q1") { order.append(it.tenantKey) }
        }
        // The light tenant's one request is served within the first two turns, not after the flood.
        #expect(order.prefix(2).contains("light"))
    }

    @Test func fullTenantQueueAnswers429WithTheFlagName() throws {
        let q = RequestQueue()
        for i in 0..<3 { try q.enqueue(item("t", i), maxOutstanding: 3, maxQueriers: 0) }
        do {
            try q.enqueue(item("t", 9), maxOutstanding: 3, maxQueriers: 0)
            Issue.record("the fourth request was queued")
        } catch {
            #expect(error.status == 429)
            #expect(error.message.contains("-query-frontend.max-outstanding-requests-per-tenant"))
            #expect(error.message.contains("err-strata-too-many-outstanding-requests"))
        }
        // Another tenant is not affected.
        try q.enqueue(item("other", 0), maxOutstanding: 3, maxQueriers: 0)
    }

    @Test func shuffleShardingLimitsATenantToItsQueriers() async throws {
        let q = RequestQueue()
        let queriers = ["a", "b", "c", "d"]
        for id in queriers { q.registerQuerier(id) }
        for i in 0..<8 { try q.enqueue(item("t", i), maxOutstanding: 100, maxQueriers: 1) }
        var served: Set<String> = []
        for id in queriers {
            // A querier not chosen for the tenant would wait; give each a bounded try.
            let got = await withTaskGroup(of: QueuedQuery?.self) { group -> QueuedQuery? in
                group.addTask { await q.dequeue(querierID: id) }
                group.addTask { try? await Task.sleep(for: .milliseconds(200)); return nil }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if got != nil { served.insert(id) }
        }
        #expect(served.count == 1)
    }

    // The queue timeouts below are long on purpose: other suites can hold the cooperative pool
    // for tens of seconds, and these tests are about retries and stopping, not deadlines.
    @Test func queueRunnerRetriesOnAnotherQuerierAfterAFailure() async throws {
        let q = RequestQueue()
        let runner = QueueRunner(queue: q, limits: { _ in .init(maxOutstanding: 10, maxQueriers: 0) }, maxAttempts: 3,
                                 timeout: .seconds(600), logger: testLogger)
        let worker = Task {
            q.registerQuerier("w")
            // The first attempt "loses its querier"; the retry is answered.
            if let first = await q.dequeue(querierID: "w") { first.complete(.failure(.unavailable("querier killed"))) }
            if let second = await q.dequeue(querierID: "w") {
                second.complete(.success(QueryResponse(value: .scalar(t: 0, f: 42))))
            }
        }
        let response = try await runner.run(rangeRequest(start: 0, end: 0, step: 1))
        #expect(response.value == .scalar(t: 0, f: 42))
        await worker.value
    }

    @Test func waitingRequestsFailWhenTheQueueStops() async throws {
        let q = RequestQueue()
        let runner = QueueRunner(queue: q, limits: { _ in .init(maxOutstanding: 10, maxQueriers: 0) }, maxAttempts: 1,
                                 timeout: .seconds(600), logger: testLogger)
        let pending = Task { () -> Int? in
            do throws(QueryFailure) {
                _ = try await runner.run(rangeRequest(start: 0, end: 0, step: 1))
                return nil
            } catch {
                return error.status
            }
        }
        while q.length == 0 { try await Task.sleep(for: .milliseconds(5)) }
        q.stop()
        #expect(await pending.value == 503)
    }
}
