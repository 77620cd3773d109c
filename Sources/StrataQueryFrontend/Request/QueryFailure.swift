import StrataPromQL

/// Why a query through the frontend failed, as the Prometheus API reports it: `errorType`, HTTP
/// status and message.
public struct QueryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API's `errorType` (`bad_data`, `execution`, `timeout`, `canceled`, `internal`, `unavailable`, `too_many_requests`).
    public var errorType: String
    /// The HTTP status.
    public var status: Int
    /// The API's `error` text.
    public var message: String

    /// Creates a failure.
    public init(errorType: String, status: Int, message: String) {
        self.errorType = errorType
        self.status = status
        self.message = message
    }

    /// The engine's error, unchanged.
    public init(_ error: QueryError) {
        self.init(errorType: error.errorType, status: error.httpStatus, message: error.description)
    }

    /// A bad request (400, `bad_data`).
    public static func badData(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "bad_data", status: 400, message: message)
    }

    /// A request refused by a per-tenant limit (422 as Mimir answers limit errors, `execution`).
    public static func limit(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "execution", status: 422, message: message)
    }

    /// The tenant's queue is full (429).
    public static func tooManyRequests(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "too_many_requests", status: 429, message: message)
    }

    /// No querier answered in time or every attempt failed (503).
    public static func unavailable(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "unavailable", status: 503, message: message)
    }

    /// The query ran out of time (503, `timeout`).
    public static func timeout(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "timeout", status: 503, message: message)
    }

    /// The client went away (499, `canceled`).
    public static func canceled(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "canceled", status: 499, message: message)
    }

    /// A fault of Strata's own (500).
    public static func `internal`(_ message: String) -> QueryFailure {
        QueryFailure(errorType: "internal", status: 500, message: message)
    }

    /// Whether another querier might answer: a querier that vanished or a transient fault, not
    /// a fault of the query itself.
    public var isRetryable: Bool { status == 500 || errorType == "unavailable" }

    public var description: String { message }
}
