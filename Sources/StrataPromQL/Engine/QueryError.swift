import StrataModel

/// Why a query failed, mapped to the Prometheus API's `errorType` and HTTP status.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The query does not parse or is invalid (`bad_data`, 400). The text includes the position.
    case badData(String)
    /// Evaluation failed: many-to-many matching, duplicate label sets, invalid function
    /// arguments found at run time, … (`execution`, 422).
    case execution(String)
    /// More than the allowed samples would be loaded at once (`execution`, 422).
    case tooManySamples(limit: Int)
    /// The query ran longer than its timeout (`timeout`, 503); the text carries
    /// `err-strata-query-timeout`.
    case timeout(String)
    /// The client went away or the server is shutting down (`canceled`, 499 as Prometheus uses).
    case canceled(String)
    /// Storage could not be read (`internal`, 500).
    case storage(String)

    /// The API's `errorType`.
    public var errorType: String {
        switch self {
        case .badData: return "bad_data"
        case .execution, .tooManySamples: return "execution"
        case .timeout: return "timeout"
        case .canceled: return "canceled"
        case .storage: return "internal"
        }
    }

    /// The HTTP status Prometheus answers with for this error.
    public var httpStatus: Int {
        switch self {
        case .badData: return 400
        case .execution, .tooManySamples: return 422
        case .timeout: return 503
        case .canceled: return 499
        case .storage: return 500
        }
    }

    /// The API's `error` text.
    public var description: String {
        switch self {
        case .badData(let m), .execution(let m), .storage(let m): return m
        case .tooManySamples(let limit):
            return "query processing would load too many samples into memory in query execution (limit \(limit)) (\(ErrorID.maxSamplesPerQuery.id))"
        case .timeout(let m): return "query timed out in \(m) (\(ErrorID.queryTimeout.id))"
        case .canceled(let m): return "query was canceled in \(m)"
        }
    }
}
