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
    /// Exemplars the ingester stored from the push's `BatchExtras` (remote write 2.0's
    /// `X-Prometheus-Remote-Write-Exemplars-Written`); 0 for a push without any.
    public var appendedExemplars: Int

    /// Creates a result.
    public init(appendedSamples: Int = 0, appendedHistograms: Int = 0, rejectedSamples: [ErrorID: Int] = [:],
                firstError: IngestRejection? = nil, appendedExemplars: Int = 0) {
        self.appendedSamples = appendedSamples
        self.appendedHistograms = appendedHistograms
        self.rejectedSamples = rejectedSamples
        self.firstError = firstError
        self.appendedExemplars = appendedExemplars
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
/// `RemoteIngesterClient` over RPC, and the distributor's ring client over a ring of those, in a cluster.
public protocol IngesterClient: Sendable {
    /// Appends every series of `batch` for `tenant`. Returns only after the accepted samples are
    /// in the WAL; throws when nothing could be stored.
    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult

    /// Appends `batch` as `push(tenant:batch:)` and hands the ingester the exemplars and
    /// metadata of `extras` (aligned with `batch`), which it stores only when it stored the push.
    /// Clients of an ingester in another process implement it (`RemoteIngesterClient`, the
    /// distributor's ring client); the default ignores `extras`.
    func push(tenant: TenantID, batch: SeriesBatch, extras: BatchExtras) async throws(IngesterError) -> IngestResult

    /// Whether `push(tenant:batch:extras:)` carries the extras to an ingester (false: they are dropped).
    var carriesExtras: Bool { get }
}

extension IngesterClient {
    /// Ignores `extras`: this client reaches no exemplar store.
    public func push(tenant: TenantID, batch: SeriesBatch, extras: BatchExtras) async throws(IngesterError) -> IngestResult {
        try await push(tenant: tenant, batch: batch)
    }

    /// False: `push(tenant:batch:extras:)` drops the extras.
    public var carriesExtras: Bool { false }
}
