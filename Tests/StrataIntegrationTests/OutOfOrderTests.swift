import AsyncHTTPClient
import Foundation
import StrataModel
import StrataObjstore
import StrataTestSupport
import StrataWire
import Testing

/// The out-of-order window end to end: a real `strata -target=all` with
/// `-ingester.out-of-order-time-window`, late samples pushed by remote write, read back by
/// remote read, after `kill -9` (WAL + WBL replay) and from the blocks `/ingester/flush` ships.
@Suite(.serialized)
struct OutOfOrderTests {
    static let tenant = "late-edge"
    static let minute: Int64 = 60_000
    static let series = Labels(["__name__": "edge_temperature_celsius", "job": "edge", "site": "north"])

    static func push(_ server: StrataProcess, _ samples: [Sample]) async throws -> (status: Int, body: String) {
        try await pushRemoteWrite(client: .shared, url: server.baseURL + "/api/v1/push", tenant: tenant,
                                  series: [(series, samples)])
    }

    /// Every sample of the series through remote read (the querier merges head, local blocks and
    /// store-gateway).
    static func read(_ server: StrataProcess) async throws -> [Sample] {
        let result = try await remoteRead(client: .shared, baseURL: server.baseURL, tenant: tenant,
                                          matchers: [WireMatcher(type: .equal, name: "__name__", value: "edge_temperature_celsius")],
                                          start: 0, end: Int64.max / 2)
        return result.filter { $0.labels == series }.flatMap(\.samples)
    }

    static func same(_ a: [Sample], _ b: [Sample]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.timestamp == $1.timestamp && $0.value.bitPattern == $1.value.bitPattern }
    }

    @Test("late samples within the window: 200, read back once each, after kill -9, and in the flushed blocks; beyond: 400")
    func lateSamplesEndToEnd() async throws {
        try Promtool.require()
        let dir = try makeTempDirectory("strata-ooo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try freePort()
        let arguments = ["-ingester.out-of-order-time-window=30m",
                         // The ingester and the store-gateway both answer every range.
                         "-querier.query-store-after=0s", "-querier.query-ingesters-within=0s"]
        var server = try StrataProcess(dataDirectory: dir, port: port, extraArguments: arguments)
        defer { server.terminate() }
        try await server.waitUntilReady(client: .shared)

        let now = Int64(Date().timeIntervalSince1970 * 1000) / Self.minute * Self.minute
        // In order: one sample a minute over the last 20 minutes.
        let inOrder = (0...20).map { Sample(timestamp: now - Int64(20 - $0) * Self.minute, value: 20 + Double($0) / 8) }
        var (status, body) = try await Self.push(server, inOrder)
        #expect(status == 200, "\(body)")

        // Late: the half minutes in between, newest first (a device catching up in reverse).
        let late = (0..<20).reversed().map { Sample(timestamp: now - Int64(20 - $0) * Self.minute + 30_000, value: -Double($0)) }
        (status, body) = try await Self.push(server, late)
        #expect(status == 200, "late samples within the window were refused: \(body)")
        let want = (inOrder + late).sorted { $0.timestamp < $1.timestamp }
        #expect(Self.same(try await Self.read(server), want), "remote read after the late push")

        // Beyond the window (40 minutes behind the newest sample): 400 with the ID.
        (status, body) = try await Self.push(server, [Sample(timestamp: now - 40 * Self.minute, value: 1)])
        #expect(status == 400)
        #expect(body.contains("err-strata-sample-too-old"), "\(body)")
        // A new value for a late timestamp already stored: the duplicate rule.
        (status, body) = try await Self.push(server, [Sample(timestamp: late[0].timestamp, value: 12345)])
        #expect(status == 400)
        #expect(body.contains("err-strata-sample-duplicate-timestamp"), "\(body)")
        #expect(Self.same(try await Self.read(server), want), "refused pushes changed the data")

        // kill -9: the WAL and the WBL replay.
        server.kill9()
        server = try StrataProcess(dataDirectory: dir, port: port, extraArguments: arguments)
        try await server.waitUntilReady(client: .shared)
        #expect(Self.same(try await Self.read(server), want), "remote read after kill -9")

        // Flush: the blocks in the bucket hold every sample, and promtool reads them.
        try await BlocksStorageTests.flush(server: server, client: .shared)
        let bucket = try FilesystemBucket(root: dir.appendingPathComponent("blocks").path)
        let dumped = try await promtoolDumpBucket(bucket, tenant: Self.tenant)
        #expect(dumped.blocks >= 1)
        let inBlocks = (dumped.series[Self.series] ?? []).sorted { $0.timestamp < $1.timestamp }
        #expect(Self.same(inBlocks, want), "promtool dump of the bucket: \(inBlocks.count) samples, want \(want.count)")
        // And the query path still answers each sample once (head emptied, blocks local and shipped).
        #expect(Self.same(try await Self.read(server), want), "remote read after the flush")
    }
}
