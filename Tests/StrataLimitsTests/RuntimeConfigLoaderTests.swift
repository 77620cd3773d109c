#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import StrataModel
import Synchronization
@testable import StrataLimits
import Testing

@Suite struct RuntimeConfigLoaderTests {
    /// A runtime config file in a fresh temp directory, removed when the test ends.
    final class TempFile {
        let directory: URL
        let path: String

        init() throws {
            directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("strata-runtime-\(UInt64.random(in: 0...UInt64.max))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("runtime.yaml").path
        }

        func write(_ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    final class Events: Sendable {
        let log = Mutex<[(Bool, UInt64)]>([])
    }

    /// Keeps what was logged, so tests can check that failures are logged at error level.
    final class LogSink: Sendable {
        let entries = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])
    }

    struct RecordingLogHandler: LogHandler {
        let sink: LogSink
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            sink.entries.withLock { $0.append((event.level, event.message.description, event.metadata ?? [:])) }
        }
    }

    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func initialLoadThenReloadPicksUpEdits() throws {
        let file = try TempFile()
        try file.write("overrides:\n  team-a:\n    ingestion_rate: 100\n")
        let overrides = Overrides(defaults: Limits())
        let events = Events()
        let loader = RuntimeConfigLoader(path: file.path, period: .seconds(10), overrides: overrides, logger: logger,
                                         onReload: { ok, hash in events.log.withLock { $0.append((ok, hash)) } })
        try loader.loadInitial()
        let teamA = try TenantID(validating: "team-a")
        #expect(overrides.limits(for: teamA).ingestionRate == 100)
        #expect(loader.lastReloadSuccessful)
        let firstHash = loader.lastHash
        #expect(firstHash != 0)

        try file.write("overrides:\n  team-a:\n    ingestion_rate: 200\n")
        #expect(loader.reloadOnce())
        #expect(overrides.limits(for: teamA).ingestionRate == 200)
        #expect(loader.lastHash != firstHash)

        // Unchanged content: still successful, same hash.
        let secondHash = loader.lastHash
        #expect(loader.reloadOnce())
        #expect(loader.lastHash == secondHash)
        #expect(events.log.withLock { $0.map(\.0) } == [true, true, true])
    }

    @Test func brokenFileKeepsLastGoodConfig() throws {
        let file = try TempFile()
        try file.write("overrides:\n  team-a:\n    ingestion_rate: 100\n")
        let overrides = Overrides(defaults: Limits())
        let loader = RuntimeConfigLoader(path: file.path, period: .seconds(10), overrides: overrides, logger: logger)
        try loader.loadInitial()
        let goodHash = loader.lastHash
        let teamA = try TenantID(validating: "team-a")

        try file.write("overrides:\n  team-a:\n    ingestion_rate: fast\n")
        #expect(!loader.reloadOnce())
        #expect(!loader.lastReloadSuccessful)
        #expect(overrides.limits(for: teamA).ingestionRate == 100)
        #expect(loader.lastHash == goodHash)

        try FileManager.default.removeItem(atPath: file.path)
        #expect(!loader.reloadOnce())
        #expect(overrides.limits(for: teamA).ingestionRate == 100)

        try file.write("overrides:\n  team-a:\n    ingestion_rate: 300\n")
        #expect(loader.reloadOnce())
        #expect(loader.lastReloadSuccessful)
        #expect(overrides.limits(for: teamA).ingestionRate == 300)
    }

    @Test func failedReloadIsLoggedAtErrorLevel() throws {
        let file = try TempFile()
        try file.write("overrides:\n  team-a:\n    ingestion_rate: 100\n")
        let sink = LogSink()
        let logger = Logger(label: "test", factory: { _ in RecordingLogHandler(sink: sink) })
        let loader = RuntimeConfigLoader(path: file.path, period: .seconds(10), overrides: Overrides(defaults: Limits()), logger: logger)
        try loader.loadInitial()
        try file.write("overrides:\n  team-a:\n    ingestion_rate: fast\n")
        #expect(!loader.reloadOnce())
        let errors = sink.entries.withLock { $0.filter { $0.level == .error } }
        #expect(errors.count == 1)
        let reason = errors.first?.metadata["err"].map { "\($0)" } ?? ""
        #expect(reason == #"runtime config \#(file.path): overrides.team-a.ingestion_rate: expected a number, got "fast""#)
    }

    @Test func initialLoadFailureIsAnError() throws {
        let file = try TempFile()
        let overrides = Overrides(defaults: Limits())
        let missing = RuntimeConfigLoader(path: file.path, period: .seconds(10), overrides: overrides, logger: logger)
        do {
            try missing.loadInitial()
            Issue.record("missing file accepted")
        } catch {
            guard case .unreadable(let source, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(source == "runtime config \(file.path)")
        }
        #expect(!missing.lastReloadSuccessful)

        try file.write("overrides:\n  team-a:\n    bogus: 1\n")
        let bad = RuntimeConfigLoader(path: file.path, period: .seconds(10), overrides: overrides, logger: logger)
        #expect(throws: LimitsError.self) { try bad.loadInitial() }
        #expect(overrides.tenantOverrides.isEmpty)
    }

    @Test func runReloadsPeriodicallyUntilCancelled() async throws {
        let file = try TempFile()
        try file.write("overrides:\n  team-a:\n    ingestion_rate: 1\n")
        let overrides = Overrides(defaults: Limits())
        let loader = RuntimeConfigLoader(path: file.path, period: .milliseconds(20), overrides: overrides, logger: logger)
        try loader.loadInitial()
        let task = Task { await loader.run() }
        try file.write("overrides:\n  team-a:\n    ingestion_rate: 2\n")
        let teamA = try TenantID(validating: "team-a")
        var seen = false
        for _ in 0..<200 where !seen {
            try await Task.sleep(for: .milliseconds(10))
            seen = overrides.limits(for: teamA).ingestionRate == 2
        }
        task.cancel()
        await task.value
        #expect(seen)
    }
}
