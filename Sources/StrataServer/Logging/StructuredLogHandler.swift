import Glibc
import Logging
import StrataModel
import Synchronization

/// A swift-log handler that writes one structured line per event to stderr, in logfmt
/// (`ts=… level=info msg="…" key=value`, Mimir's default) or JSON.
public struct StructuredLogHandler: LogHandler {
    /// Output formats of `-log.format`.
    public enum Format: String, Sendable {
        case logfmt, json
    }

    /// Serialises writes so concurrent lines never interleave.
    private static let output = Mutex<Void>(())

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format

    /// Creates a handler for `label` at `level`.
    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Maps `-log.level` names (Mimir's: debug, info, warn, error) onto swift-log levels.
    public static func level(named name: String) -> Logger.Level? {
        switch name {
        case "debug": return .debug
        case "info": return .info
        case "warn": return .warning
        case "error": return .error
        default: return nil
        }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata, file: event.file, line: event.line)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, file: String, line: UInt) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit { all.merge(explicit) { _, new in new } }
        let levelName: String
        switch level {
        case .trace, .debug: levelName = "debug"
        case .info, .notice: levelName = "info"
        case .warning: levelName = "warn"
        case .error, .critical: levelName = "error"
        }
        let caller = "\(file.split(separator: "/").last ?? Substring(file)):\(line)"
        var fields: [(String, String)] = [("ts", Self.timestamp()), ("level", levelName), ("caller", caller), ("msg", "\(message)")]
        for key in all.keys.sorted() {
            if let value = all[key] { fields.append((key, "\(value)")) }
        }
        let text = format == .json ? Self.json(fields) : Self.logfmt(fields)
        let bytes = Array((text + "\n").utf8)
        Self.output.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(STDERR_FILENO, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
    }

    private static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
            return key + "=" + (needsQuotes ? jsonQuote(value) : value)
        }.joined(separator: " ")
    }

    private static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { jsonQuote($0.0) + ":" + jsonQuote($0.1) }.joined(separator: ",") + "}"
    }

    /// RFC 3339 UTC with milliseconds, from the wall clock.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
