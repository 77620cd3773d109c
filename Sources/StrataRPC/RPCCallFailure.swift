import GRPCCore

/// A failed call, classified once so both remote clients map it to their own error types.
enum RPCCallFailure {
    /// The peer could not be reached or went away (connection refused, reset, closed).
    case unavailable(String)
    /// No answer before the deadline.
    case deadlineExceeded
    /// The peer said the request was invalid.
    case invalidArgument(String)
    /// The peer failed the call, or answered with bytes this client cannot read.
    case failed(String)

    init(_ error: any Error) {
        switch error {
        case let rpc as RPCError:
            let message = Self.describe(rpc)
            switch rpc.code {
            case .unavailable, .cancelled, .aborted: self = .unavailable(message)
            case .deadlineExceeded: self = .deadlineExceeded
            case .invalidArgument: self = .invalidArgument(message)
            default: self = .failed(message)
            }
        case let runtime as RuntimeError:
            switch runtime.code {
            case .clientIsStopped:
                self = .unavailable("the connection was closed (the peer left the ring, or this process is stopping)")
            default:
                self = .unavailable(runtime.cause.map { "\(runtime.message) (\($0))" } ?? runtime.message)
            }
        case let pool as RPCPoolError:
            self = .unavailable(pool.description)
        case is CancellationError:
            self = .unavailable("the call was cancelled")
        default:
            self = .failed("\(error)")
        }
    }

    /// The status message, with the transport's underlying cause (e.g. "connection refused")
    /// when there is one, so the operator sees why the peer is unreachable.
    private static func describe(_ error: RPCError) -> String {
        var message = error.message.isEmpty ? "\(error.code)" : error.message
        var cause = error.cause
        // Causes nest (an RPCError wrapping a channel error wrapping an errno); keep the chain.
        var depth = 0
        while let c = cause, depth < 4 {
            if let inner = c as? RPCError {
                message += ": " + inner.message
                cause = inner.cause
            } else if let runtime = c as? RuntimeError {
                message += ": " + runtime.message
                cause = runtime.cause
            } else {
                message += ": \(c)"
                cause = nil
            }
            depth += 1
        }
        return message
    }
}
