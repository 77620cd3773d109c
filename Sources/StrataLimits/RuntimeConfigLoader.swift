#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import StrataModel
import Synchronization

/// Reloads the runtime config file (`-runtime-config.file`) every `-runtime-config.reload-period`
/// (Mimir's default: 10s) into an `Overrides`.
///
/// The first load (`loadInitial()`) must succeed: a server started with a broken file would run
/// with limits the operator did not intend. After that a bad or unreadable file keeps the last good
/// config and logs why at error level, so a typo in production never drops every tenant back to
/// the defaults. Success and the content hash are exposed for
/// `strata_runtime_config_last_reload_successful` and `strata_runtime_config_hash`.
public final class RuntimeConfigLoader: Sendable {
    private struct State {
        var lastReloadSuccessful = false
        var lastHash: UInt64 = 0
        var loadedOnce = false
    }

    private let path: String
    private let period: Duration
    private let overrides: Overrides
    private let logger: Logger
    private let onReload: (@Sendable (_ successful: Bool, _ hash: UInt64) -> Void)?
    private let state = Mutex(State())

    /// Creates a loader; nothing is read until `loadInitial()`.
    ///
    /// `onReload` is called after every attempt with its outcome and the hash of the config in
    /// force, so the caller can update gauges without polling.
    public init(path: String, period: Duration, overrides: Overrides, logger: Logger,
                onReload: (@Sendable (_ successful: Bool, _ hash: UInt64) -> Void)? = nil) {
        self.path = path
        self.period = period
        self.overrides = overrides
        self.logger = logger
        self.onReload = onReload
    }

    /// True when the last attempt to load the file succeeded.
    public var lastReloadSuccessful: Bool { state.withLock { $0.lastReloadSuccessful } }

    /// A stable 64-bit hash (xxHash64) of the content of the config in force; 0 before the first load.
    public var lastHash: UInt64 { state.withLock { $0.lastHash } }

    private var source: String { "runtime config \(path)" }

    /// Loads the file once; an error here should stop the server from starting.
    public func loadInitial() throws(LimitsError) {
        do {
            try load()
        } catch {
            state.withLock { $0.lastReloadSuccessful = false }
            onReload?(false, lastHash)
            throw error
        }
    }

    /// Reloads every `period` until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: period)
            } catch {
                return  // cancelled
            }
            reloadOnce()
        }
    }

    /// One reload attempt: applies the file if it changed and is valid, keeps the last good
    /// config otherwise. Returns whether the file was valid.
    @discardableResult
    func reloadOnce() -> Bool {
        do {
            try load()
            return true
        } catch {
            state.withLock { $0.lastReloadSuccessful = false }
            logger.error("failed to reload runtime config; keeping the last good one",
                         metadata: ["file": "\(path)", "err": "\(error)"])
            onReload?(false, lastHash)
            return false
        }
    }

    private func load() throws(LimitsError) {
        let bytes = try Self.readFile(path, source: source)
        let hash = bytes.withUnsafeBytes { raw in
            var hasher = LabelsHasher()
            hasher.add(bytes: raw)
            return hasher.finish()
        }
        let unchanged = state.withLock { $0.loadedOnce && $0.lastHash == hash }
        if !unchanged {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .invalidYAML(source: source, reason: "the file is not valid UTF-8")
            }
            try overrides.apply(runtimeConfigYAML: text, source: source)
            logger.info("runtime config loaded", metadata: [
                "file": "\(path)", "tenants_with_overrides": "\(overrides.tenantOverrides.count)",
            ])
        }
        state.withLock {
            $0.lastReloadSuccessful = true
            $0.lastHash = hash
            $0.loadedOnce = true
        }
        onReload?(true, hash)
    }

    /// The whole file, or `.unreadable` with Go-style wording (`open <path>: <errno text>`).
    private static func readFile(_ path: String, source: String) throws(LimitsError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw .unreadable(source: source, reason: "open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(source: source, reason: "read \(path): \(String(cString: strerror(errno)))")
            }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}
