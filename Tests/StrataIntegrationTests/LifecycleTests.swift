import AsyncHTTPClient
import Foundation
import StrataModel
import StrataWire
import Testing

/// Process-level behaviour of the real binary: graceful shutdown under load and runtime-config
/// reloads without a restart.
@Suite(.serialized)
struct LifecycleTests {
    @Test("SIGTERM during pushes finishes in-flight requests, closes the WAL and exits 0")
    func sigtermDrains() async throws {
        let dir = try makeTempDirectory("strata-term")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let recorder = KillRecoveryTests.Recorder()
        let startMs = Int64(Date().timeIntervalSince1970 * 1000) - 60_000

        let server = try StrataProcess(dataDirectory: dir, extraArguments: ["-ingester.ring.instance-id=ingester-term"])
        try await server.waitUntilReady(client: client)
        // Ready means the ingester joined its ring and is ACTIVE there.
        var ringRequest = HTTPClientRequest(url: server.baseURL + "/ingester/ring")
        ringRequest.headers.add(name: "Accept", value: "application/json")
        let ringResponse = try await client.execute(ringRequest, timeout: .seconds(10))
        let ringJSON = String(buffer: try await ringResponse.body.collect(upTo: 1 << 20))
        #expect(ringResponse.status == .ok)
        #expect(ringJSON.contains("\"id\":\"ingester-term\"") && ringJSON.contains("\"state\":\"ACTIVE\""), "ring: \(ringJSON)")
        let writers = (0..<2).map { w in
            Task { await KillRecoveryTests.write(writer: w, server: server, client: client, recorder: recorder, startMs: startMs) }
        }
        try await Task.sleep(for: .seconds(1))
        let status = server.terminate()
        for w in writers { w.cancel() }
        for w in writers { await w.value }
        #expect(status == 0, "exit status \(status); log:\n\(server.log())")
        #expect(server.log().contains("ingester stopped"))
        #expect(recorder.count > 0)

        let restarted = try StrataProcess(dataDirectory: dir)
        try await restarted.waitUntilReady(client: client)
        try await KillRecoveryTests.verify(recorder, server: restarted, client: client)
        // A clean shutdown leaves nothing to repair.
        #expect(!restarted.log().contains("WAL repaired"), "replay after a clean shutdown repaired the WAL:\n\(restarted.log())")
        #expect(restarted.terminate() == 0)
    }

    @Test("a runtime-config change applies without a restart; a broken file keeps the last good one")
    func runtimeConfigReloads() async throws {
        let dir = try makeTempDirectory("strata-runtime")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let file = dir.appendingPathComponent("runtime.yaml")
        try "overrides:\n  team-a:\n    ingestion_rate: 1\n    ingestion_burst_size: 10\n".write(to: file, atomically: true, encoding: .utf8)

        let server = try StrataProcess(dataDirectory: dir, extraArguments: [
            "-runtime-config.file=\(file.path)", "-runtime-config.reload-period=200ms",
        ])
        try await server.waitUntilReady(client: client)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let series = (0..<50).map { i in (labels: Labels(["__name__": "rc_test", "i": String(i)]), samples: [Sample(timestamp: now, value: 1)]) }

        let limited = try await pushRemoteWrite(client: client, url: server.baseURL + "/api/v1/push", tenant: "team-a", series: series)
        #expect(limited.status == 429, "expected 429, got \(limited.status): \(limited.body)")
        // Another tenant has the default limits.
        let other = try await pushRemoteWrite(client: client, url: server.baseURL + "/api/v1/push", tenant: "team-b", series: series)
        #expect(other.status == 200)

        try "overrides:\n  team-a:\n    ingestion_rate: 100000\n    ingestion_burst_size: 100000\n".write(to: file, atomically: true, encoding: .utf8)
        var accepted = false
        for _ in 0..<50 where !accepted {
            try await Task.sleep(for: .milliseconds(100))
            accepted = try await pushRemoteWrite(client: client, url: server.baseURL + "/api/v1/push", tenant: "team-a", series: series).status == 200
        }
        #expect(accepted, "the raised limit never applied; log:\n\(server.log())")

        try "overrides: [this is: not valid".write(to: file, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(800))
        let later = series.map { (labels: $0.labels, samples: [Sample(timestamp: now + 1000, value: 2)]) }
        let stillGood = try await pushRemoteWrite(client: client, url: server.baseURL + "/api/v1/push", tenant: "team-a", series: later)
        #expect(stillGood.status == 200, "a broken runtime config dropped the last good one: \(stillGood.status) \(stillGood.body)")
        let metrics = try await client.execute(HTTPClientRequest(url: server.baseURL + "/metrics"), timeout: .seconds(5))
        let text = String(buffer: try await metrics.body.collect(upTo: 8 << 20))
        #expect(text.contains("strata_runtime_config_last_reload_successful 0"), "reload failure not visible in /metrics")
        #expect(server.terminate() == 0)
    }
}
