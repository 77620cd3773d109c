import StrataTestSupport
import StrataChunks
import StrataModel
import StrataQuerier
import StrataRing
import Synchronization
import Testing

/// One replica's answers: fixed series, or an error.
private final class Replica: Queryable {
    let series: [QuerySeries]
    let failure: String?
    private let calls = Mutex(0)
    init(series: [QuerySeries], failure: String? = nil) {
        self.series = series
        self.failure = failure
    }
    var callCount: Int { calls.withLock { $0 } }
    private func answer() throws -> [QuerySeries] {
        calls.withLock { $0 += 1 }
        if let failure { throw ReplicaDown(description: failure) }
        return series
    }
    func select(_ request: SelectRequest) async throws -> [QuerySeries] { try answer() }
    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        Array(Set(try answer().flatMap { $0.labels.map(\.name) })).sorted()
    }
    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        Array(Set(try answer().compactMap { $0.labels[name] })).sorted()
    }
}

private struct ReplicaDown: Error, CustomStringConvertible { let description: String }

private func series(_ instance: String, _ samples: [(Int64, Double)]) -> QuerySeries {
    var c = XORChunk()
    for (t, v) in samples { c.append(timestamp: t, value: v) }
    return QuerySeries(labels: Labels([Label(name: "__name__", value: "up"), Label(name: "instance", value: instance)]), chunks: [c.encoded()])
}

private func samples(_ s: QuerySeries) -> [Int64] {
    var out: [Int64] = []
    var it = ChunkSeriesIterator(chunks: s.chunks, minTime: .min, maxTime: .max)
    while let sample = it.next() { out.append(sample.timestamp) }
    return out
}

private func index(_ instance: InstanceDesc) -> Int { Int(instance.id.split(separator: "-")[1]) ?? -1 }

@Suite struct RingReplicasQueryableTests {
    let request: SelectRequest

    init() throws {
        request = SelectRequest(tenant: try TenantID(validating: "t"), minTime: 0, maxTime: 10_000,
                                matchers: [try LabelMatcher(.equal, "__name__", "up")])
    }

    /// Three replicas that each missed different samples merge into one series with every sample once.
    @Test func replicasMergeToEverySampleOnce() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let replicas = [
            Replica(series: [series("a", [(1000, 1), (2000, 2)])]),
            Replica(series: [series("a", [(2000, 2), (3000, 3)]), series("b", [(1000, 9)])]),
            Replica(series: [series("a", [(1000, 1), (3000, 3)]), series("b", [(1000, 9)])]),
        ]
        let queryable = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { replicas[index($0)] })
        let result = try await queryable.select(request)
        #expect(result.map { $0.labels["instance"] } == ["a", "b"])
        #expect(samples(result[0]) == [1000, 2000, 3000])
        #expect(samples(result[1]) == [1000])
        #expect(try await queryable.labelValues(tenant: request.tenant, name: "instance", minTime: 0, maxTime: 1, matchers: []) == ["a", "b"])
    }

    /// One replica down is absorbed; two are not, and the error names an ingester.
    @Test func toleratesOneFailure() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let good = Replica(series: [series("a", [(1000, 1)])])
        let bad = Replica(series: [], failure: "connection refused")
        let one = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { index($0) == 0 ? bad : good })
        #expect(try await one.select(request).count == 1)
        let two = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { index($0) == 0 ? good : bad })
        do {
            _ = try await two.select(request)
            Issue.record("two of three replicas down must fail the read")
        } catch {
            #expect("\(error)".contains("connection refused"))
        }
    }

    /// An ingester with a stale heartbeat is not asked and uses up the allowance.
    @Test func staleInstanceCountsAsFailed() async throws {
        let ring = try await startedRing(count: 3, stale: [2])
        defer { Task { await ring.stop() } }
        let replicas = (0..<3).map { _ in Replica(series: [series("a", [(1000, 1)])]) }
        let queryable = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { replicas[index($0)] })
        #expect(try await queryable.select(request).count == 1)
        #expect(replicas[2].callCount == 0)
        let bad = Replica(series: [], failure: "down")
        let failing = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { index($0) == 0 ? bad : replicas[index($0)] })
        await #expect(throws: (any Error).self) { _ = try await failing.select(request) }
        let twoStale = try await startedRing(count: 3, stale: [1, 2])
        defer { Task { await twoStale.stop() } }
        await #expect(throws: QuerierError.self) {
            _ = try await RingReplicasQueryable(ring: twoStale, coverage: .writeQuorum, clients: { replicas[index($0)] }).select(request)
        }
    }

    /// With zone awareness, both ingesters of one zone may fail.
    @Test func zoneAwareToleratesOneZone() async throws {
        let ring = try await startedRing(count: 6, zones: ["a", "b", "c"], zoneAware: true)
        defer { Task { await ring.stop() } }
        let good = Replica(series: [series("a", [(1000, 1)])])
        let bad = Replica(series: [], failure: "zone down")
        let oneZone = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { index($0) % 3 == 1 ? bad : good })
        #expect(try await oneZone.select(request).count == 1)
        let twoZones = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { index($0) % 3 == 0 ? good : bad })
        await #expect(throws: (any Error).self) { _ = try await twoZones.select(request) }
    }
}

@Suite struct StoreGatewayReplicasTests {
    /// Store-gateways each hold every block of their replication set: with 3 of them and RF 3,
    /// two may fail; all failing fails the read naming one of them.
    @Test func everyReplicaCoverageToleratesAllButOne() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let request = SelectRequest(tenant: try TenantID(validating: "t"), minTime: 0, maxTime: 10_000,
                                    matchers: [try LabelMatcher(.equal, "__name__", "up")])
        let good = Replica(series: [series("a", [(1000, 1)])])
        let bad = Replica(series: [], failure: "store-gateway restarting")
        let oneLeft = RingReplicasQueryable(ring: ring, coverage: .everyReplica, clients: { index($0) == 2 ? good : bad })
        #expect(try await oneLeft.select(request).count == 1)
        // The same failures are too many for ingesters, whose writes only reached a quorum.
        let ingesters = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { index($0) == 2 ? good : bad })
        await #expect(throws: QuerierError.self) { _ = try await ingesters.select(request) }
        let none = RingReplicasQueryable(ring: ring, coverage: .everyReplica, clients: { _ in bad })
        do {
            _ = try await none.select(request)
            Issue.record("all store-gateways failing must fail the read")
        } catch {
            #expect("\(error)".contains("store-gateway restarting"))
        }
    }
}
