import HTTPTypes
import Hummingbird
import StrataPromQL

/// A failed Prometheus API request: its `errorType`, its `error` text and its HTTP status.
struct PromAPIError: Error, Sendable, Equatable {
    /// The `errorType` values of the Prometheus API, each with the status Prometheus sends.
    enum Kind: String, Sendable {
        case badData = "bad_data"
        case execution = "execution"
        case timeout = "timeout"
        case canceled = "canceled"
        case `internal` = "internal"
        case unavailable = "unavailable"
        case notFound = "not_found"
        case notAcceptable = "not_acceptable"

        /// The HTTP status Prometheus answers this kind with.
        var status: Int {
            switch self {
            case .badData: return 400
            case .execution: return 422
            case .timeout, .unavailable: return 503
            case .canceled: return 499
            case .internal: return 500
            case .notFound: return 404
            case .notAcceptable: return 406
            }
        }
    }

    /// `errorType`.
    var errorType: String
    /// HTTP status.
    var status: Int
    /// `error`.
    var message: String

    init(_ kind: Kind, _ message: String) {
        errorType = kind.rawValue
        status = kind.status
        self.message = message
    }

    /// An error with its own type, status and text (the query-frontend's).
    init(errorType: String, status: Int, message: String) {
        self.errorType = errorType
        self.status = status
        self.message = message
    }

    /// The engine's error as the API reports it.
    init(_ error: QueryError) {
        errorType = error.errorType
        status = error.httpStatus
        message = error.description
    }

    /// Prometheus's `invalidParamError`: `invalid parameter "name": reason`.
    static func invalidParam(_ name: String, _ reason: String) -> PromAPIError {
        PromAPIError(.badData, "invalid parameter \"\(name)\": \(reason)")
    }

}
