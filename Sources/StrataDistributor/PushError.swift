import StrataModel

/// What one push did: samples in the request and samples stored.
public struct PushSummary: Sendable, Equatable {
    /// Samples (float + histogram) the request carried.
    public var receivedSamples: Int
    /// Samples (float + histogram) the ingester appended.
    public var acceptedSamples: Int
    /// Of `acceptedSamples`, the native histogram samples (remote write 2.0's
    /// `X-Prometheus-Remote-Write-Histograms-Written`).
    public var acceptedHistograms: Int

    /// Creates a summary.
    public init(receivedSamples: Int, acceptedSamples: Int, acceptedHistograms: Int = 0) {
        self.receivedSamples = receivedSamples
        self.acceptedSamples = acceptedSamples
        self.acceptedHistograms = acceptedHistograms
    }
}

/// Why a push did not fully succeed. The HTTP layer maps each case to the status Prometheus's
/// remote-write client expects: 4xx is not retried, 429 and 5xx are.
public enum PushError: Error, Sendable, CustomStringConvertible {
    /// The tenant is over its ingestion rate; nothing was stored. HTTP 429.
    case rateLimited(message: String)
    /// Some series or samples were refused; the valid ones WERE stored. HTTP 400.
    /// `acceptedSamples` counts float and histogram samples; `acceptedHistograms` the latter.
    case invalid(message: String, id: ErrorID, rejectedSamples: Int, acceptedSamples: Int, acceptedHistograms: Int = 0)
    /// The ingester could not take the push; nothing was acknowledged. HTTP 503 when the
    /// ingester is unavailable (message carries `err-strata-ingester-unavailable`), 500 when
    /// its storage failed.
    case unavailable(message: String)
    /// The HA tracker dropped the push because it comes from a replica that is not the elected
    /// one of its cluster. HTTP 202: accepted on purpose, so Prometheus does not retry.
    case deduplicated(message: String)
    /// The HA tracker's KV store failed, so the push's replica could not be checked; nothing was
    /// stored. HTTP 503 (retried) or 500 for a corrupt stored value.
    case haTrackerFailed(message: String, status: Int, id: ErrorID)

    /// The HTTP status for this error.
    public var httpStatus: Int {
        switch self {
        case .rateLimited: return 429
        case .invalid: return 400
        case .unavailable(let message):
            return message.hasSuffix("(\(ErrorID.ingesterUnavailable.id))") ? 503 : 500
        case .deduplicated: return 202
        case .haTrackerFailed(_, let status, _): return status
        }
    }

    /// The stable error ID, when the error has one.
    public var errorID: ErrorID? {
        switch self {
        case .rateLimited: return .tenantMaxIngestionRate
        case .invalid(_, let id, _, _, _): return id
        case .unavailable(let message):
            return message.hasSuffix("(\(ErrorID.ingesterUnavailable.id))") ? .ingesterUnavailable : nil
        case .deduplicated: return nil
        case .haTrackerFailed(_, _, let id): return id
        }
    }

    /// The operator-facing message.
    public var description: String {
        switch self {
        case .rateLimited(let message), .invalid(let message, _, _, _, _), .unavailable(let message), .deduplicated(let message),
             .haTrackerFailed(let message, _, _):
            return message
        }
    }
}
