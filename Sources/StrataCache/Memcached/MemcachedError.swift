/// Why a memcached operation did not happen. `MemcachedCache` turns every one of these into a
/// miss or a dropped store; the client reports them so that tests and health checks can tell a
/// slow server from a broken one.
public enum MemcachedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation ran past `MemcachedConfig.timeout`.
    case timeout
    /// The server could not be reached, or the connection dropped before the reply.
    case connectionFailed(String)
    /// The server sent something the text protocol does not allow at that point; the
    /// connection it came on is closed, because nothing after it can be trusted to line up.
    case malformedReply(String)
    /// The server answered `SERVER_ERROR` (out of memory, object too large, …).
    case serverError(String)
    /// The server refused to store the item (`NOT_STORED`).
    case notStored
    /// The key is empty, longer than 250 bytes, or contains a space or control character.
    case invalidKey(String)
    /// The value is larger than `MemcachedConfig.maxItemSize`.
    case itemTooLarge(size: Int, limit: Int)
    /// The configuration is unusable; the message names the setting.
    case invalidConfiguration(String)
    /// `shutdown()` has been called.
    case shutDown

    /// A one-line explanation for logs.
    public var description: String {
        switch self {
        case .timeout: return "memcached operation timed out"
        case .connectionFailed(let why): return "memcached connection failed: \(why)"
        case .malformedReply(let why): return "malformed memcached reply: \(why)"
        case .serverError(let line): return "memcached server error: \(line)"
        case .notStored: return "memcached did not store the item"
        case .invalidKey(let why): return "invalid memcached key: \(why)"
        case .itemTooLarge(let size, let limit): return "item of \(size) bytes is larger than the max item size \(limit)"
        case .invalidConfiguration(let why): return "invalid memcached configuration: \(why)"
        case .shutDown: return "memcached client is shut down"
        }
    }

    /// A short label for the `reason` dimension of the failure counter.
    var reason: String {
        switch self {
        case .timeout: return "timeout"
        case .connectionFailed: return "connect"
        case .malformedReply: return "malformed"
        case .serverError, .notStored: return "server-error"
        case .invalidKey, .itemTooLarge, .invalidConfiguration: return "bad-request"
        case .shutDown: return "shutdown"
        }
    }
}
