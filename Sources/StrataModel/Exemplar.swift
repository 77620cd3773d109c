/// One exemplar: an example observation (typically carrying a `trace_id`) attached to a series'
/// samples, as remote write 1.0 and 2.0 send it.
public struct Exemplar: Sendable, Equatable {
    /// The exemplar's own labels (e.g. `trace_id`), not the series'.
    public var labels: Labels
    /// The example value.
    public var value: Double
    /// Milliseconds since the epoch; 0 when the sender did not set one.
    public var timestamp: Int64

    /// Creates an exemplar.
    public init(labels: Labels, value: Double, timestamp: Int64) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

/// The exemplars of one series, in the order they were sent (oldest first).
public struct SeriesExemplars: Sendable, Equatable {
    /// The series the exemplars belong to.
    public var seriesLabels: Labels
    /// Its exemplars.
    public var exemplars: [Exemplar]

    /// Creates a group.
    public init(seriesLabels: Labels, exemplars: [Exemplar]) {
        self.seriesLabels = seriesLabels
        self.exemplars = exemplars
    }
}

/// What `/api/v1/query_exemplars` reads: exemplars of the series that match, in a time range.
///
/// A seam like `Queryable`, so the HTTP layer does not know whether exemplars live in an
/// in-process ingester (`ExemplarMetadataStore`) or in the ingesters of a ring, asked over RPC
/// and merged (the querier's `RingReplicasExemplarMetadataSource`).
public protocol ExemplarQueryable: Sendable {
    /// Exemplars of `tenant` with `start ≤ timestamp ≤ end` of every series matching any of
    /// `matcherSets` (each set is a conjunction), grouped by series, sorted by series labels.
    /// Throws when the exemplars cannot be read (an ingester of the ring unreachable).
    func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars]
}
