import StrataModel

/// Why a delete request, a redaction or a tenant deletion could not be recorded or read.
public enum DeletesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object store failed; nothing was recorded.
    case bucket(operation: String, key: String, reason: String)
    /// An object under the tenant's markers is not what Strata writes there.
    case corruptObject(key: String, reason: String)
    /// No request has this ID for the tenant.
    case unknownRequest(id: String)
    /// The request is no longer pending, so it cannot be cancelled.
    case notPending(id: String, state: DeleteRequest.State)
    /// The tenant already has as many active requests as it may.
    case tooManyRequests(limit: Int)

    public var description: String {
        switch self {
        case .bucket(let op, let key, let reason):
            return "object store \(op) of \(key) failed: \(reason)"
        case .corruptObject(let key, let reason):
            return "\(key) cannot be read: \(reason)"
        case .unknownRequest(let id):
            return "no delete request with ID \"\(id)\" for this tenant (\(ErrorID.deleteRequestNotFound.id))"
        case .notPending(let id, let state):
            return "delete request \(id) is \(state.rawValue); only pending requests can be cancelled (\(ErrorID.deleteRequestNotPending.id))"
        case .tooManyRequests(let limit):
            return "the tenant has \(limit) pending delete requests, the most allowed; wait for the compactor to process them or cancel some (\(ErrorID.tooManyDeleteRequests.id))"
        }
    }
}
