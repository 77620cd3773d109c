// Field numbers of Strata's RPC messages (package `strata`), documented byte by byte in
// docs/format/rpc.md. Named so codecs read like the schema; numbers are never reused.

/// `strata.PushRequest`: one push to an ingester.
enum PushRequestField {
    /// string: the tenant ID.
    static let tenant = 1
    /// bytes: an uncompressed Prometheus remote-write 1.0 `WriteRequest`.
    static let writeRequest = 2
}

/// `strata.PushResponse`: what the ingester did with the push (`IngestResult`).
enum PushResponseField {
    /// int64: samples appended.
    static let appendedSamples = 1
    /// repeated `strata.RejectedCount`.
    static let rejected = 2
    /// `strata.Rejection`: the first refusal, absent when nothing was refused.
    static let firstError = 3
    /// int64: of `appended_samples`, the native histograms (absent from ingesters before it: 0).
    static let appendedHistograms = 4
    /// int64: exemplars the ingester stored from the push (absent: 0).
    static let appendedExemplars = 5
}

/// `strata.RejectedCount`: samples refused for one reason.
enum RejectedCountField {
    /// string: the full error ID, `err-strata-<reason>`.
    static let errorID = 1
    /// int64: samples refused for it.
    static let count = 2
}

/// `strata.Rejection`: one refusal with its operator-facing message.
enum RejectionField {
    /// string: the full error ID, `err-strata-<reason>`.
    static let errorID = 1
    /// string: the message.
    static let message = 2
}

/// `strata.Matcher`: one label matcher.
enum MatcherField {
    /// enum: 0 `=`, 1 `!=`, 2 `=~`, 3 `!~` (Prometheus's `LabelMatcher.Type`).
    static let type = 1
    /// string
    static let name = 2
    /// string
    static let value = 3
}

/// `strata.SelectRequest`, `strata.LabelNamesRequest` and `strata.LabelValuesRequest` share
/// their first four fields.
enum ReadRequestField {
    /// string: the tenant ID.
    static let tenant = 1
    /// int64: inclusive lower bound, ms.
    static let minTime = 2
    /// int64: inclusive upper bound, ms.
    static let maxTime = 3
    /// repeated `strata.Matcher`.
    static let matchers = 4
    /// string: the label name (`LabelValuesRequest` only).
    static let labelName = 5
    /// int64: the coarsest downsampling resolution the caller reads, ms (`SelectRequest` only; 0 or absent: raw).
    static let maxResolution = 6
}

/// `strata.SelectResponse`: one batch of the Select stream.
enum SelectResponseField {
    /// repeated `strata.Series`.
    static let series = 1
}

/// `strata.Series`.
enum SeriesField {
    /// repeated `strata.Label`, sorted by name.
    static let labels = 1
    /// repeated `strata.Chunk`, by `min_time_ms`.
    static let chunks = 2
    /// int64: the coarsest downsampling resolution among the chunks, ms (absent: 0, raw).
    static let resolution = 3
}

/// `strata.Label`.
enum LabelPairField {
    /// string
    static let name = 1
    /// string
    static let value = 2
}

/// `strata.Chunk`.
enum ChunkField {
    /// int64, ms.
    static let minTime = 1
    /// int64, ms.
    static let maxTime = 2
    /// enum: Prometheus `chunkenc.Encoding` (1 = XOR, 2 = histogram, 3 = float histogram, 255 = aggregate).
    static let encoding = 3
    /// bytes: the chunk exactly as Prometheus lays it out.
    static let data = 4
}

/// `strata.LabelsResponse`: the answer of LabelNames and LabelValues.
enum LabelsResponseField {
    /// repeated string, sorted.
    static let values = 1
}

/// Message names as errors and the contract call them.
enum RPCMessageName {
    static let pushRequest = "strata.PushRequest"
    static let pushResponse = "strata.PushResponse"
    static let rejectedCount = "strata.RejectedCount"
    static let rejection = "strata.Rejection"
    static let matcher = "strata.Matcher"
    static let selectRequest = "strata.SelectRequest"
    static let selectResponse = "strata.SelectResponse"
    static let series = "strata.Series"
    static let label = "strata.Label"
    static let chunk = "strata.Chunk"
    static let labelNamesRequest = "strata.LabelNamesRequest"
    static let labelValuesRequest = "strata.LabelValuesRequest"
    static let labelsResponse = "strata.LabelsResponse"
}
