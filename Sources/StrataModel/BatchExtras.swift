/// Exemplars and metadata travelling with one push to an ingester in another process, aligned
/// with that push's `SeriesBatch`: each series' exemplars ride in the same remote write 1.0
/// `TimeSeries` as its samples (`TimeSeries.exemplars`), the metadata in `WriteRequest.metadata`.
public struct BatchExtras: Sendable, Equatable {
    /// Exemplars by index of their series in the batch's `series`.
    public var exemplars: [Int: [Exemplar]]
    /// Metadata entries.
    public var metadata: [MetricMetadata]

    /// Creates the extras of one push.
    public init(exemplars: [Int: [Exemplar]] = [:], metadata: [MetricMetadata] = []) {
        self.exemplars = exemplars
        self.metadata = metadata
    }

    /// True when there are neither exemplars nor metadata.
    public var isEmpty: Bool { exemplars.isEmpty && metadata.isEmpty }

    /// Number of exemplars.
    public var exemplarCount: Int { exemplars.values.reduce(0) { $0 + $1.count } }

    /// Attaches `extras`' exemplar groups to the series of `batch` with the same labels (by
    /// `SeriesBatch.stableHash(of:)`, then compared label by label). Groups whose series is not
    /// in the batch — refused by validation — are dropped, so exemplars go only where their
    /// series' samples go. Each group attaches to one series even when the batch repeats it.
    public static func aligning(_ extras: WriteExtras, to batch: SeriesBatch) -> BatchExtras {
        var out = BatchExtras(metadata: extras.metadata)
        guard !extras.exemplars.isEmpty else { return out }
        var pending: [UInt64: [Int]] = [:]
        for (i, group) in extras.exemplars.enumerated() where !group.exemplars.isEmpty {
            pending[group.seriesLabels.stableHash, default: []].append(i)
        }
        for index in batch.series.indices {
            guard !pending.isEmpty else { break }
            let hash = batch.stableHash(of: index)
            guard let candidates = pending[hash] else { continue }
            let labels = batch.labels(of: index)
            var rest: [Int] = []
            for i in candidates {
                if extras.exemplars[i].seriesLabels == labels {
                    out.exemplars[index, default: []].append(contentsOf: extras.exemplars[i].exemplars)
                } else {
                    rest.append(i)
                }
            }
            pending[hash] = rest.isEmpty ? nil : rest
        }
        return out
    }
}
