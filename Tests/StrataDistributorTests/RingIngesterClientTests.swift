import StrataTestSupport
import Logging
import StrataDistributor
import StrataIngester
import StrataModel
import StrataRing
import Synchronization
import Testing

/// An ingester that waits before answering.
/// An ingester that holds every push until the test opens its gate, so "the answer did not wait
/// for it" is decided by order, not by a wall-clock bound that a busy machine can break.
final class SlowIngester: IngesterClient {
    let inner = FakeIngester()
    private let gate: AsyncStream<Void>
    private let opener: AsyncStream<Void>.Continuation
    init() { (gate, opener) = AsyncStream<Void>.makeStream() }
    /// Lets every held and future push through.
    func open() { opener.finish() }
    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        for await _ in gate {}
        return try await inner.push(tenant: tenant, batch: batch)
    }
}

private func batch(series count: Int) -> SeriesBatch {
    var batch = SeriesBatch()
    for i in 0..<count {
        batch.append(labels: Labels([Label(name: "__name__", value: "up"), Label(name: "instance", value: "host-\(i)")]),
                     samples: [Sample(timestamp: 1000, value: Double(i))])
    }
    return batch
}


@Suite struct RingIngesterClientTests {
    let tenant: TenantID

    init() throws { tenant = try TenantID(validating: "team-a") }

    /// Every series lands on exactly three distinct ingesters, the same ones for the same series.
    @Test func eachSeriesGoesToThreeIngesters() async throws {
        let ring = try await startedRing(count: 6)
        defer { Task { await ring.stop() } }
        let fakes = (0..<6).map { _ in FakeIngester() }
        let client = RingIngesterClient(ring: ring, clients: { fakes[Int($0.id.split(separator: "-")[1])!] },
                                        metricsFactory: RecordingMetrics())
        let result = try await client.push(tenant: tenant, batch: batch(series: 600))
        #expect(result.appendedSamples == 600)
        #expect(result.rejectedCount == 0)
        var copies: [String: Int] = [:]
        for fake in fakes { for name in fake.receivedSeriesKeys { copies[name, default: 0] += 1 } }
        #expect(copies.count == 600)
        #expect(copies.values.allSatisfy { $0 == 3 })
        // Six ingesters share the series: none holds them all, all hold some.
        #expect(fakes.allSatisfy { (1..<600).contains($0.receivedSeriesKeys.count) })
        // Same series, same owners.
        let second = (0..<6).map { _ in FakeIngester() }
        let again = RingIngesterClient(ring: ring, clients: { second[Int($0.id.split(separator: "-")[1])!] }, metricsFactory: RecordingMetrics())
        _ = try await again.push(tenant: tenant, batch: batch(series: 600))
        #expect(zip(fakes, second).allSatisfy { Set($0.receivedSeriesKeys) == Set($1.receivedSeriesKeys) })
    }

    /// One ingester of three failing does not fail the push; two do, naming a series.
    @Test func quorumOfTwo() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let down = FakeIngester(.fail(.unavailable("connection refused")))
        let one = RingIngesterClient(ring: ring, clients: { $0.id == "ingester-1" ? down : FakeIngester() }, metricsFactory: RecordingMetrics())
        let result = try await one.push(tenant: tenant, batch: batch(series: 100))
        #expect(result.appendedSamples == 100)

        let two = RingIngesterClient(ring: ring, clients: { $0.id == "ingester-0" ? FakeIngester() : down }, metricsFactory: RecordingMetrics())
        do {
            _ = try await two.push(tenant: tenant, batch: batch(series: 100))
            Issue.record("a push with two of three replicas down must fail")
        } catch {
            guard case .unavailable(let message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(message.contains("quorum"))
            #expect(message.contains("connection refused"))
        }
    }

    /// The push returns once two replicas have answered; the slow third still gets its copy.
    @Test func slowReplicaDoesNotDelayTheAnswer() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let slow = SlowIngester()
        let client = RingIngesterClient(ring: ring, clients: { $0.id == "ingester-2" ? slow as any IngesterClient : FakeIngester() }, metricsFactory: RecordingMetrics())
        // The slow replica is held until after the push has answered: had the push waited for
        // it, this line would never be reached.
        _ = try await client.push(tenant: tenant, batch: batch(series: 50))
        #expect(slow.inner.received.isEmpty)
        slow.open()
        let deadline = ContinuousClock.now + .seconds(60)
        while slow.inner.received.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(slow.inner.receivedSeriesKeys.count == 50)
    }

    /// Refusals reported by every replica reach the client once, not three times.
    @Test func refusalsAreNotMultipliedByReplicas() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let rejecting = FakeIngester(.reject(id: .sampleOutOfOrder, count: 4, message: "out of order sample"))
        let client = RingIngesterClient(ring: ring, clients: { _ in rejecting }, metricsFactory: RecordingMetrics())
        let result = try await client.push(tenant: tenant, batch: batch(series: 20))
        #expect(result.rejectedSamples[.sampleOutOfOrder] == 4)
        #expect(result.appendedSamples == 16)
        #expect(result.firstError?.message == "out of order sample")
    }

    /// With fewer healthy ingesters than a quorum, nothing is sent and the error says why.
    @Test func tooFewIngesters() async throws {
        let ring = try await startedRing(count: 3, stale: [0, 1])
        defer { Task { await ring.stop() } }
        let fake = FakeIngester()
        let client = RingIngesterClient(ring: ring, clients: { _ in fake }, metricsFactory: RecordingMetrics())
        await #expect(throws: IngesterError.self) { _ = try await client.push(tenant: tenant, batch: batch(series: 5)) }
        #expect(fake.received.isEmpty)
    }

    /// Zone awareness: the three copies are in three zones, and losing a whole zone is tolerated.
    @Test func zoneAwareReplicas() async throws {
        let ring = try await startedRing(count: 6, zones: ["a", "b", "c"], zoneAware: true)
        defer { Task { await ring.stop() } }
        let zoneOf: @Sendable (String) -> String = { ["a", "b", "c"][Int($0.split(separator: "-")[1])! % 3] }
        let fakes = (0..<6).map { _ in FakeIngester() }
        let client = RingIngesterClient(ring: ring, clients: { fakes[Int($0.id.split(separator: "-")[1])!] }, metricsFactory: RecordingMetrics())
        _ = try await client.push(tenant: tenant, batch: batch(series: 200))
        var zonesBySeries: [String: Set<String>] = [:]
        for (index, fake) in fakes.enumerated() {
            for key in fake.receivedSeriesKeys { zonesBySeries[key, default: []].insert(zoneOf("ingester-\(index)")) }
        }
        #expect(zonesBySeries.count == 200 && zonesBySeries.values.allSatisfy { $0.count == 3 })

        let down = FakeIngester(.fail(.unavailable("zone c is down")))
        let lossy = RingIngesterClient(ring: ring, clients: { zoneOf($0.id) == "c" ? down : FakeIngester() }, metricsFactory: RecordingMetrics())
        let result = try await lossy.push(tenant: tenant, batch: batch(series: 200))
        #expect(result.appendedSamples == 200)
    }

    /// The token is FNV-1a over tenant and labels: different tenants place the same series differently.
    @Test func tokenDependsOnTenantAndLabels() throws {
        let labels = Labels([Label(name: "__name__", value: "up"), Label(name: "job", value: "a")])
        let a = SeriesToken.token(tenant: tenant, labels: labels)
        let b = SeriesToken.token(tenant: try TenantID(validating: "team-b"), labels: labels)
        #expect(a != b)
        var single = SeriesBatch()
        single.append(labels: labels, samples: [Sample(timestamp: 1, value: 1)])
        #expect(SeriesToken.token(tenant: tenant, batch: single, series: 0) == a)
        // FNV-1a 32 of "a" is 0xe40c292c.
        #expect(SeriesToken.tenantHash(try TenantID(validating: "a")) == 0xe40c_292c)
    }
}

extension FakeIngester {
    /// `instance` label values of every series received.
    var receivedSeriesKeys: [String] {
        received.flatMap { push in push.batch.series.indices.map { push.batch.labels(of: $0)["instance"] ?? "" } }
    }
}
