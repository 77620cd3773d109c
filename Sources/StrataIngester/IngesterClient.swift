import StrataModel

/// What an ingester did with one push: how many samples it stored and why it refused the rest.
public struct IngestResult: Sendable, Equatable {
    /// Samples appended to the head (and written to the WAL), native histograms included.
    public var appendedSamples: Int
    /// Of `appendedSamples`, the native histograms: the distributor reports them to remote
    /// write 2.0 senders (`X-Prometheus-Remote-Write-Histograms-Written`).
    public var appendedHistograms: Int
    /// Samples refused, by reason (out of order, duplicate, series limits, …).
    public var rejectedSamples: [ErrorID: Int]
    /// The first refusal, with a message naming the series, for the client's 400.
    public var firstError: IngestRejection?

    /// Creates a result.
    public init(appendedSamples: Int = 0, appendedHistograms: Int = 0, rejectedSamples: [ErrorID: Int] = [:],
                firstError: IngestRejection? = nil) {
        self.appendedSamples = appendedSamples
        self.appendedHistograms = appendedHistograms
        self.rejectedSamples = rejectedSamples
        self.firstError = firstError
    }

    /// Total samples refused.
    public var rejectedCount: Int { rejectedSamples.values.reduce(0, +) }
}

/// One refused sample or series, with an operator-facing message that ends in its error ID.
public struct IngestRejection: Sendable, Equatable, Error, CustomStringConvertible {
    /// The stable error ID.
    public var id: ErrorID
    /// The full message, including `(err-strata-…)` and what to do.
    public var message: String

    /// Creates a rejection.
    public init(id: ErrorID, message: String) {
        self.id = id
        self.message = message
    }

    public var description: String { message }
}

/// Why an ingester could not take a push at all (as opposed to refusing some samples).
public enum IngesterError: Error, Sendable, CustomStringConvertible {
    /// The ingester is starting (replaying its WAL) or stopping.
    case unavailable(String)
    /// Writing the WAL failed: nothing of the push was acknowledged.
    case storage(String)

    public var description: String {
        switch self {
        case .unavailable(let why): return "ingester is unavailable: \(why) (\(ErrorID.ingesterUnavailable.id))"
        case .storage(let why): return "ingester failed to store the samples: \(why)"
        }
    }
}

/// The distributor's view of an ingester. `Ingester` implements it in-process (`-target=all`);
/// a remote implementation over RPC arrives with the cluster.
public protocol IngesterClient: Sendable {
    /// Appends every series of `batch` for `tenant`. Returns only after the accepted samples are
    /// in the WAL; throws when nothing could be stored.
    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult
}
