import Foundation
import StrataIngester
import StrataModel
import StrataRPC
import Testing

/// Times pushes through RPC against calls into an in-process ingester. The timings are printed
/// for the report, not asserted (they depend on the machine and build mode); the counts are.
/// `STRATA_RPC_BENCH_PUSHES` raises the number of pushes for a release-mode measurement.
@Suite struct PushThroughputTests {
    static let defaultPushes = 20
    static let seriesPerPush = 2000
    static let stepMs: Int64 = 15_000

    static var pushes: Int {
        ProcessInfo.processInfo.environment["STRATA_RPC_BENCH_PUSHES"].flatMap(Int.init) ?? defaultPushes
    }

    @Test func rpcPushThroughputAgainstInProcess() async throws {
        let n = Self.pushes
        let batches = (0..<n).map { makeBatch(series: Self.seriesPerPush, startMs: 1_000_000 + Int64($0) * Self.stepMs) }

        let direct = try await withTempDirectory("bench-direct") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            return try await Self.time(batches) { try await ingester.push(tenant: testTenant, batch: $0) }
        }
        let remote = try await withTempDirectory("bench-rpc") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            let server = try await startServer([IngesterRPCService(ingester: ingester)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address)
            let result = try await Self.time(batches) { try await client.push(tenant: testTenant, batch: $0) }
            await pool.shutdown()
            try await server.stop()
            return result
        }
        #expect(direct.appended == n * Self.seriesPerPush)
        #expect(remote.appended == n * Self.seriesPerPush)
        print("push throughput, \(n) pushes × \(Self.seriesPerPush) series × 1 sample: "
              + "in-process \(Self.rate(direct)) samples/s (\(direct.elapsed / n) per push), "
              + "RPC \(Self.rate(remote)) samples/s (\(remote.elapsed / n) per push)")
    }

    static func time(_ batches: [SeriesBatch], _ push: (SeriesBatch) async throws -> IngestResult) async throws -> (appended: Int, elapsed: Duration) {
        var appended = 0
        let start = ContinuousClock.now
        for batch in batches { appended += try await push(batch).appendedSamples }
        return (appended, ContinuousClock.now - start)
    }

    static func rate(_ r: (appended: Int, elapsed: Duration)) -> Int {
        let seconds = Double(r.elapsed.components.seconds) + Double(r.elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(r.appended) / seconds) : 0
    }
}
