import Foundation
import Logging
import StrataTestSupport
@testable import StrataRing

#if canImport(Glibc)
import Glibc
#endif

struct EtcdUnavailable: Error, CustomStringConvertible {
    let description: String
}

/// A real etcd server on loopback ports with a temporary data dir, started by the test itself.
/// It is killed with SIGKILL (the test runner's children have SIGTERM blocked).
final class EtcdProcess: @unchecked Sendable {
    static let binary = "/usr/bin/etcd"
    static let startupTimeout: Duration = .seconds(30)

    let dataDir: TemporaryDirectory
    let clientPort: Int
    let peerPort: Int
    private var process: Process?
    private var logPath: String { dataDir.path + "/etcd.log" }

    var endpoint: String { "http://127.0.0.1:\(clientPort)" }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: EtcdProcess.binary) else {
            throw EtcdUnavailable(description: "\(EtcdProcess.binary) not found: install the Debian package etcd-server (apt-get install etcd-server)")
        }
        dataDir = try TemporaryDirectory()
        clientPort = try freePort()
        peerPort = try freePort()
    }

    /// Starts etcd (again, on the same ports and data) and waits until it answers KV requests.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EtcdProcess.binary)
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        process.arguments = [
            "--name", "strata-test", "--data-dir", dataDir.path + "/data",
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "strata-test=\(peer)", "--initial-cluster-state", "new",
        ]
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let probe = try EtcdKV(config: EtcdConfig(endpoints: [endpoint], dialTimeout: .seconds(1), requestTimeout: .seconds(1)))
        let deadline = ContinuousClock.now + EtcdProcess.startupTimeout
        var ready = false
        while ContinuousClock.now < deadline && process.isRunning && !ready {
            do {
                _ = try await probe.get("startup-probe")
                ready = true
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await probe.shutdown()
        if ready { return }
        if !process.isRunning {
            throw EtcdUnavailable(description: "etcd exited with status \(process.terminationStatus): \(logTail())")
        }
        kill()
        throw EtcdUnavailable(description: "etcd did not answer on \(endpoint) within \(EtcdProcess.startupTimeout): \(logTail())")
    }

    /// Kills etcd with SIGKILL and waits for it to exit.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }

    private func logTail() -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(1500))
    }
}

/// Runs `body` with a started etcd and a client for it; kills etcd and closes clients afterwards.
func withEtcd(_ body: (EtcdProcess) async throws -> Void) async throws {
    let etcd = try EtcdProcess()
    defer { etcd.kill() }
    try await etcd.start()
    try await body(etcd)
}

/// Runs `body` with an `EtcdKV` and shuts it down afterwards even when `body` throws.
func withClient(
    _ endpoints: [String], maxRetries: Int = EtcdConfig.defaultMaxRetries, prefix: String = "test/",
    _ body: (EtcdKV) async throws -> Void
) async throws {
    let client = try EtcdKV(config: EtcdConfig(
        endpoints: endpoints, dialTimeout: .seconds(1), maxRetries: maxRetries, requestTimeout: .seconds(3), prefix: prefix))
    do {
        try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}
