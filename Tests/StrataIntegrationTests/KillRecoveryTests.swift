import AsyncHTTPClient
import Foundation
import StrataModel
import StrataWire
import Testing

/// Durability: a sample acknowledged with 2xx survives `kill -9` at any moment, and a WAL whose
/// last record was torn mid-write replays without error.
@Suite(.serialized)
struct KillRecoveryTests {
    /// One acknowledged push, remembered to be checked after the crash.
    struct AckedSeries: Hashable {
        let labels: Labels
        let sample: Sample
        static func == (a: AckedSeries, b: AckedSeries) -> Bool { a.labels == b.labels && a.sample.isIdentical(to: b.sample) }
        func hash(into h: inout Hasher) { h.combine(labels); h.combine(sample.timestamp) }
    }

    /// Pushes from several writers until `stop`, recording every 2xx.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var acked: [AckedSeries] = []
        private(set) var errors = 0
        func add(_ items: [AckedSeries]) { lock.withLock { acked.append(contentsOf: items) } }
        func failed() { lock.withLock { errors += 1 } }
        var count: Int { lock.withLock { acked.count } }
    }

    static let tenant = "kill-test"
    static let seriesPerWriter = 200

    static func series(writer: Int, index: Int) -> Labels {
        Labels([
            "__name__": "kill_test_metric", "writer": String(writer), "series": String(index),
            "job": "durability", "instance": "127.0.0.1:\(9000 + index % 7)",
        ])
    }

    /// Writes rounds of samples from `writer` until cancelled; each round is one request with one
    /// sample per series, timestamps strictly increasing.
    static func write(writer: Int, server: StrataProcess, client: HTTPClient, recorder: Recorder, startMs: Int64) async {
        var round: Int64 = 0
        while !Task.isCancelled {
            round += 1
            let ts = startMs + round * 10
            var payload: [(labels: Labels, samples: [Sample])] = []
            var items: [AckedSeries] = []
            for i in 0..<seriesPerWriter {
                let sample = Sample(timestamp: ts, value: Double(round) + Double(i) / 1000)
                let labels = series(writer: writer, index: i)
                payload.append((labels, [sample]))
                items.append(AckedSeries(labels: labels, sample: sample))
            }
            do {
                let (status, body) = try await pushRemoteWrite(client: client, url: server.baseURL + "/api/v1/push",
                                                               tenant: tenant, series: payload, timeout: .seconds(5))
                if status / 100 == 2 {
                    recorder.add(items)
                } else {
                    recorder.failed()
                    if status != 503 { Issue.record("push answered \(status): \(body)") }
                }
            } catch {
                recorder.failed()
                // The server is being killed: connection errors are expected from here on.
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Reads everything back and checks every acknowledged sample is there, exactly.
    static func verify(_ recorder: Recorder, server: StrataProcess, client: HTTPClient) async throws {
        let read = try await remoteRead(client: client, baseURL: server.baseURL, tenant: tenant,
                                        matchers: [WireMatcher(type: .equal, name: "__name__", value: "kill_test_metric")],
                                        start: 0, end: Int64.max / 2)
        var stored: [Labels: [Int64: UInt64]] = [:]
        for s in read {
            var byTime: [Int64: UInt64] = [:]
            for sample in s.samples { byTime[sample.timestamp] = sample.value.bitPattern }
            stored[s.labels] = byTime
        }
        var missing = 0
        var firstMissing: String?
        for item in recorder.acked {
            if stored[item.labels]?[item.sample.timestamp] != item.sample.value.bitPattern {
                missing += 1
                if firstMissing == nil { firstMissing = "\(item.labels) @ \(item.sample.timestamp)" }
            }
        }
        #expect(missing == 0, "\(missing) of \(recorder.acked.count) acknowledged samples lost; first: \(firstMissing ?? "-")")
    }

    @Test("kill -9 during continuous pushes loses no acknowledged sample")
    func killNineKeepsAcknowledgedSamples() async throws {
        let dir = try makeTempDirectory("strata-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let recorder = Recorder()
        let startMs = Int64(Date().timeIntervalSince1970 * 1000) - 60_000

        for crash in 0..<3 {
            let server = try StrataProcess(dataDirectory: dir)
            try await server.waitUntilReady(client: client)
            // After a restart everything acknowledged so far must be readable before more writes.
            if crash > 0 { try await Self.verify(recorder, server: server, client: client) }
            let before = recorder.count
            let writers = (0..<3).map { w in
                Task { await Self.write(writer: w + crash * 10, server: server, client: client, recorder: recorder,
                                        startMs: startMs + Int64(crash) * 100_000) }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 1_500...3_500)))
            server.kill9()
            for w in writers { w.cancel() }
            for w in writers { await w.value }
            #expect(recorder.count > before, "no push was acknowledged before kill #\(crash + 1); log:\n\(server.log())")
        }
        let server = try StrataProcess(dataDirectory: dir)
        try await server.waitUntilReady(client: client)
        try await Self.verify(recorder, server: server, client: client)
        #expect(server.terminate() == 0)
    }

    @Test("a WAL whose last record is torn replays without error and keeps every acknowledged sample")
    func tornWALTailReplays() async throws {
        let dir = try makeTempDirectory("strata-torn")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let recorder = Recorder()
        let startMs = Int64(Date().timeIntervalSince1970 * 1000) - 60_000

        let server = try StrataProcess(dataDirectory: dir)
        try await server.waitUntilReady(client: client)
        let writer = Task { await Self.write(writer: 1, server: server, client: client, recorder: recorder, startMs: startMs) }
        try await Task.sleep(for: .seconds(1))
        writer.cancel()
        await writer.value
        server.kill9()
        #expect(recorder.count > 0)

        // Simulate a crash in the middle of a WAL write: the newest segment ends with a record
        // header that promises more bytes than follow, plus some of them.
        let walDir = dir.appendingPathComponent("tsdb/\(Self.tenant)/wal")
        let segments = try FileManager.default.contentsOfDirectory(atPath: walDir.path)
            .filter { $0.count == 8 && Int($0) != nil }.sorted()
        let last = try #require(segments.last, "no WAL segment in \(walDir.path)")
        let handle = try FileHandle(forWritingTo: walDir.appendingPathComponent(last))
        try handle.seekToEnd()
        // Fragment header: type 1 (full record), length 4000 (big-endian), a CRC, then 100 bytes.
        var torn: [UInt8] = [1, 0x0f, 0xa0, 0xde, 0xad, 0xbe, 0xef, 2]
        torn += (0..<99).map { _ in UInt8.random(in: 0...255) }
        try handle.write(contentsOf: Data(torn))
        try handle.close()

        let restarted = try StrataProcess(dataDirectory: dir)
        try await restarted.waitUntilReady(client: client)
        #expect(restarted.log().contains("WAL repaired"), "the torn record was not reported; log:\n\(restarted.log())")
        try await Self.verify(recorder, server: restarted, client: client)
        // The repaired WAL takes new writes and replays again.
        let after = try await pushRemoteWrite(client: client, url: restarted.baseURL + "/api/v1/push", tenant: Self.tenant,
                                              series: [(Self.series(writer: 99, index: 0), [Sample(timestamp: startMs + 300_000, value: 42)])])
        #expect(after.status == 200, "push after repair answered \(after.status): \(after.body)")
        #expect(restarted.terminate() == 0)
        let again = try StrataProcess(dataDirectory: dir)
        try await again.waitUntilReady(client: client)
        try await Self.verify(recorder, server: again, client: client)
        #expect(again.terminate() == 0)
    }
}
