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
///
/// Its ports come from `LoopbackPorts` and stay reserved across restarts, and it is ready only
/// when the etcd answering on its client port is this one (its member name is unique): an etcd
/// that failed to bind must not pass for ready because another test's etcd answers there, which
/// then disappears under this test when that test ends.
public final class EtcdProcess: @unchecked Sendable {
    // @unchecked: `process`, the ports and `hasStarted` are only touched by init/start/kill,
    // which one test calls in sequence.
    public static let binary = "/usr/bin/etcd"
    public static let startupTimeout: Duration = .seconds(30)

    private let dataDir: String
    /// The member name, unique to this server.
    private let name = "strata-test-" + UUID().uuidString.prefix(8).lowercased()
    /// The client port (`http://127.0.0.1:<port>`), kept across restarts.
    public private(set) var clientPort: Int
    private var peerPort: Int
    private var process: Process?
    private var hasStarted = false
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
        clientPort = try LoopbackPorts.reserve()
        peerPort = try LoopbackPorts.reserve()
    }

    /// Starts etcd (again, on the same ports and data) and waits until it answers KV requests.
    ///
    /// If a port turns out to be taken, a first start moves to other ports; a restart waits for
    /// its own a little, since clients are configured with them.
    public func start() async throws {
        var lastFailure = ""
        for attempt in 0..<5 {
            guard let output = try await launch() else {
                hasStarted = true
                return
            }
            lastFailure = output
            guard lastFailure.contains("address already in use") else {
                throw EtcdUnavailable(description: "etcd exited with status \(process?.terminationStatus ?? -1): \(lastFailure)")
            }
            if hasStarted {
                try await Task.sleep(for: .milliseconds(200 * (attempt + 1)))
            } else {
                let taken = (clientPort, peerPort)
                clientPort = try LoopbackPorts.reserve()
                peerPort = try LoopbackPorts.reserve()
                LoopbackPorts.release(taken.0)
                LoopbackPorts.release(taken.1)
            }
        }
        throw EtcdUnavailable(description: "etcd could not listen on 127.0.0.1 (ports taken): \(lastFailure)")
    }

    /// One attempt: runs etcd and waits until it answers as this member (nil) or exits (what it
    /// wrote to its log meanwhile).
    private func launch() async throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EtcdProcess.binary)
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        process.arguments = [
            "--name", name, "--data-dir", dataDir + "/data",
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "\(name)=\(peer)", "--initial-cluster-state", "new",
        ]
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let logStart = log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + EtcdProcess.startupTimeout
        // Checks once more after the deadline: on a busy machine the sleep itself can outlast it.
        while isAlive(pid) {
            if await answersAsThisMember() { return nil }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if !isAlive(pid) { return serverLogText(atPath: logPath, from: logStart) }
        kill()
        throw EtcdUnavailable(description: "etcd did not answer on \(endpoint) within \(EtcdProcess.startupTimeout): \(serverLogText(atPath: logPath, from: logStart))")
    }

    /// Kills etcd with SIGKILL and waits for it to exit.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        kill()
        LoopbackPorts.release(clientPort)
        LoopbackPorts.release(peerPort)
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    /// True when the etcd on the client port serves KV requests (a range answers) and is this
    /// member (its member list has this server's name), not another test's etcd.
    private func answersAsThisMember() async -> Bool {
        guard let range = await post("/v3/kv/range", #"{"key":"c3RhcnR1cC1wcm9iZQ=="}"#), range.status == 200,
              let members = await post("/v3/cluster/member/list", "{}"), members.status == 200
        else { return false }
        return members.body.contains(#""name":"\#(name)""#)
    }

    /// POSTs `body` to etcd's JSON gateway; nil when it does not answer within a second.
    private func post(_ path: String, _ body: String) async -> (status: UInt, body: String)? {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(1))
            let bytes = try await response.body.collect(upTo: 1 << 16)
            return (response.status.code, String(buffer: bytes))
        } catch {
            return nil
        }
    }
}

/// Runs `body` with a started etcd; kills etcd afterwards.
public func withEtcd(_ body: (EtcdProcess) async throws -> Void) async throws {
    let etcd = try EtcdProcess()
    defer { etcd.kill() }
    try await etcd.start()
    try await body(etcd)
}

