import Foundation

/// Why a `strata admin` command failed, and the exit code scripts see for it.
///
/// | code | meaning |
/// | --- | --- |
/// | 0 | success |
/// | 1 | the server answered with an error, or the operation failed (a block did not validate, …) |
/// | 2 | usage error: a missing or malformed argument (nothing was sent) |
/// | 3 | not found: an unknown block, delete request, instance or upload |
/// | 4 | the server cannot be reached (connection refused, DNS, timeout before an answer) |
public enum AdminError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The server answered `status` with `message`.
    case server(status: Int, message: String)
    /// An operation failed on this side or was refused (a block that does not validate).
    case operation(String)
    /// A bad argument, found before anything was sent.
    case usage(String)
    /// The thing named does not exist (the server answered 404, or a listing does not hold it).
    case notFound(String)
    /// No answer from the server.
    case unreachable(String)

    /// The process exit code for this failure.
    public var exitCode: Int32 {
        switch self {
        case .server, .operation: return AdminExit.failure
        case .usage: return AdminExit.usage
        case .notFound: return AdminExit.notFound
        case .unreachable: return AdminExit.unreachable
        }
    }

    public var description: String {
        switch self {
        case .server(let status, let message):
            let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
            return "the server answered \(status)" + (text.isEmpty ? "" : ": \(text)")
        case .operation(let message), .usage(let message), .notFound(let message), .unreachable(let message):
            return message
        }
    }
}

/// The exit codes of `strata admin` (see `AdminError`).
public enum AdminExit {
    /// Success.
    public static let success: Int32 = 0
    /// Server or operation error.
    public static let failure: Int32 = 1
    /// Usage error (bad or missing arguments); ArgumentParser's own 64 is mapped to this.
    public static let usage: Int32 = 2
    /// Not found.
    public static let notFound: Int32 = 3
    /// The server cannot be reached.
    public static let unreachable: Int32 = 4
}
