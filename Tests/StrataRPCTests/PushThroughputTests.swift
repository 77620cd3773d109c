import Foundation
import StrataIngester
import StrataModel
import StrataRPC
import Testing

/// Times pushes through RPC against calls into an in-process ingester, one at a time and with
/// several pushers at once (as a distributor fans out). The timings are printed for the report,
/// not asserted (they depend on the machine and build mode); the counts are.
/// `STRATA_RPC_BENCH_PUSHES` raises the number of pushes for a release-mode measurement.
@Suite struct PushThroughputTests {
    static let defaultPushes = 20
    static let seriesPerPush = 2000
    static let stepMs: Int64 = 15_000
    static let parallelPushers = 4

    static var pushes: Int {
        ProcessInfo.processInfo.environment["STRATA_RPC_BENCH_PUSHES"].flatMap(Int.init) ?? defaultPushes
    }

    @Test func rpcPushThroughputAgainstInProcess() async throws {
        let n = Self.pushes
        // One list of pushes per pusher, each over its own series (job label), moving forward in time.
        let work = (0..<Self.parallelPushers).map { pusher in
            (0..<(n / Self.parallelPushers)).map { i in
                makeBatch(series: Self.seriesPerPush, startMs: 1_000_000 + Int64(i) * Self.stepMs, job: "pusher\(pusher)")
            }
        }
        let sequential = (0..<work.joined().count).map { i in
            makeBatch(series: Self.seriesPerPush, startMs: 1_000_000 + Int64(i) * Self.stepMs)
        }
        let total = sequential.count * Self.seriesPerPush

        let (direct, directParallel) = try await withTempDirectory("bench-direct") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let one = try await Self.time([sequential]) { try await ingester.push(tenant: testTenant, batch: $0) }
            let many = try await Self.time(work) { try await ingester.push(tenant: TenantID(validating: "parallel"), batch: $0) }
            return (one, many)
        }
        let (remote, remoteParallel) = try await withTempDirectory("bench-rpc") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address, timeout: testCallTimeout)
            let one = try await Self.time([sequential]) { try await client.push(tenant: testTenant, batch: $0) }
            let many = try await Self.time(work) { try await client.push(tenant: TenantID(validating: "parallel"), batch: $0) }
            await pool.shutdown()
            try await server.stop()
            return (one, many)
        }
        for result in [direct, directParallel, remote, remoteParallel] {
            #expect(result.appended == total)
        }
        print("push throughput, \(sequential.count) pushes × \(Self.seriesPerPush) series × 1 sample: "
              + "one pusher: in-process \(Self.rate(direct)) samples/s, RPC \(Self.rate(remote)) samples/s; "
              + "\(Self.parallelPushers) pushers: in-process \(Self.rate(directParallel)) samples/s, RPC \(Self.rate(remoteParallel)) samples/s")
    }

    /// Runs each list of pushes in its own task, all at once; returns the samples appended and
    /// the wall time.
    static func time(_ lists: [[SeriesBatch]],
                     _ push: @escaping @Sendable (SeriesBatch) async throws -> IngestResult) async throws -> (appended: Int, elapsed: Duration) {
        let start = ContinuousClock.now
        let appended = try await withThrowingTaskGroup(of: Int.self) { group in
            for list in lists {
                group.addTask {
                    var n = 0
                    for batch in list { n += try await push(batch).appendedSamples }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return (appended, ContinuousClock.now - start)
    }

    static func rate(_ r: (appended: Int, elapsed: Duration)) -> Int {
        let seconds = Double(r.elapsed.components.seconds) + Double(r.elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(r.appended) / seconds) : 0
    }
}
