import Foundation
import AsyncHTTPClient
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// etcd could not be started: the message says why and what to install.
public struct EtcdUnavailable: Error, CustomStringConvertible {
    public let description: String
}

/// A real etcd server on loopback ports with a temporary data dir, started by the test itself.
/// It is killed with SIGKILL (the test runner's children have SIGTERM blocked).
public final class EtcdProcess: @unchecked Sendable {
    public static let binary = "/usr/bin/etcd"
    public static let startupTimeout: Duration = .seconds(30)

    private let dataDir: String
    /// The client port (`http://127.0.0.1:<port>`).
    public let clientPort: Int
    private let peerPort: Int
    private var process: Process?
    private var logPath: String { dataDir + "/etcd.log" }

    /// The client URL to give to `-…etcd.endpoints`.
    public var endpoint: String { "http://127.0.0.1:\(clientPort)" }

    /// Picks free ports and a fresh data directory; fails when etcd is not installed.
    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: EtcdProcess.binary) else {
            throw EtcdUnavailable(description: "\(EtcdProcess.binary) not found: install the Debian package etcd-server (apt-get install etcd-server)")
        }
        dataDir = NSTemporaryDirectory() + "strata-etcd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        clientPort = try freePort()
        peerPort = try freePort()
    }

    /// Starts etcd (again, on the same ports and data) and waits until it answers KV requests.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EtcdProcess.binary)
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        process.arguments = [
            "--name", "strata-test", "--data-dir", dataDir + "/data",
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
        let deadline = ContinuousClock.now + EtcdProcess.startupTimeout
        var ready = false
        while ContinuousClock.now < deadline && process.isRunning && !ready {
            ready = await answersRange()
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        if ready { return }
        if !process.isRunning {
            throw EtcdUnavailable(description: "etcd exited with status \(process.terminationStatus): \(logTail())")
        }
        kill()
        throw EtcdUnavailable(description: "etcd did not answer on \(endpoint) within \(EtcdProcess.startupTimeout): \(logTail())")
    }

    /// Kills etcd with SIGKILL and waits for it to exit.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    /// True when etcd's JSON gateway answers a range request (it is serving KV, not just listening).
    private func answersRange() async -> Bool {
        var request = HTTPClientRequest(url: endpoint + "/v3/kv/range")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: #"{"key":"c3RhcnR1cC1wcm9iZQ=="}"#))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(1))
            _ = try await response.body.collect(upTo: 1 << 16)
            return response.status == .ok
        } catch {
            return false
        }
    }

    private func logTail() -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(1500))
    }
}

/// Runs `body` with a started etcd; kills etcd afterwards.
public func withEtcd(_ body: (EtcdProcess) async throws -> Void) async throws {
    let etcd = try EtcdProcess()
    defer { etcd.kill() }
    try await etcd.start()
    try await body(etcd)
}

