import StrataModel

/// A label matcher as remote read carries it: not compiled, so decoding never fails on a bad
/// regex (the querier compiles it into a `LabelMatcher` and reports that error itself).
public struct WireMatcher: Sendable, Equatable {
    /// `=`, `!=`, `=~` or `!~` (raw values equal remote read's `LabelMatcher.Type`).
    public var type: MatchType
    /// The label name.
    public var name: String
    /// The value or regex.
    public var value: String

    /// Creates a matcher.
    public init(type: MatchType, name: String, value: String) {
        self.type = type
        self.name = name
        self.value = value
    }
}

/// One query of a remote-read request (`prometheus.Query`): a closed time range and matchers.
/// Read hints are accepted on the wire and ignored.
public struct ReadQuery: Sendable, Equatable {
    /// Inclusive start, ms since the epoch.
    public var startTimestampMs: Int64
    /// Inclusive end, ms since the epoch.
    public var endTimestampMs: Int64
    /// All must match.
    public var matchers: [WireMatcher]

    /// Creates a query.
    public init(startTimestampMs: Int64, endTimestampMs: Int64, matchers: [WireMatcher]) {
        self.startTimestampMs = startTimestampMs
        self.endTimestampMs = endTimestampMs
        self.matchers = matchers
    }
}

/// A remote-read request (`prometheus.ReadRequest`).
public struct ReadRequest: Sendable, Equatable {
    /// Response type `SAMPLES`: one `ReadResponse` holding every series' samples.
    public static let samplesResponseType = 0
    /// Response type `STREAMED_XOR_CHUNKS`: a stream of `ChunkedReadResponse` frames
    /// (`RemoteReadStreamCodec`).
    public static let streamedXORChunksResponseType = 1

    /// The queries, answered in order.
    public var queries: [ReadQuery]
    /// Response types the client accepts, in its order of preference; empty means `SAMPLES`.
    /// Values outside the known ones are kept as sent.
    public var acceptedResponseTypes: [Int]

    /// Creates a request.
    public init(queries: [ReadQuery], acceptedResponseTypes: [Int] = []) {
        self.queries = queries
        self.acceptedResponseTypes = acceptedResponseTypes
    }
}

/// One series of a remote-read answer (`prometheus.TimeSeries`): float samples and native
/// histogram samples.
public struct TimeSeriesData: Sendable, Equatable {
    /// The series' labels.
    public var labels: Labels
    /// Its float samples in time order.
    public var samples: [Sample]
    /// Its native histogram samples in time order (`TimeSeries.histograms`).
    public var histograms: [HistogramPoint]

    /// Creates a series.
    public init(labels: Labels, samples: [Sample], histograms: [HistogramPoint] = []) {
        self.labels = labels
        self.samples = samples
        self.histograms = histograms
    }

    /// Compares sample values bitwise, so NaN and staleness markers equal themselves.
    public static func == (lhs: TimeSeriesData, rhs: TimeSeriesData) -> Bool {
        guard lhs.labels == rhs.labels, lhs.samples.count == rhs.samples.count,
              lhs.histograms.count == rhs.histograms.count else { return false }
        for (a, b) in zip(lhs.samples, rhs.samples) where !a.isIdentical(to: b) { return false }
        for (a, b) in zip(lhs.histograms, rhs.histograms) where !Self.identical(a, b) { return false }
        return true
    }

    /// Bitwise equality of two histogram samples.
    static func identical(_ a: HistogramPoint, _ b: HistogramPoint) -> Bool {
        guard a.timestamp == b.timestamp else { return false }
        switch (a.value, b.value) {
        case (.integer(let x), .integer(let y)):
            return x.isIdentical(to: y) && x.customValues.map(\.bitPattern) == y.customValues.map(\.bitPattern)
        case (.float(let x), .float(let y)):
            return x.isIdentical(to: y)
        default:
            return false
        }
    }
}

/// A remote-read answer of type `SAMPLES` (`prometheus.ReadResponse`).
public struct ReadResponse: Sendable, Equatable {
    /// One result per query of the request, in the same order; each a list of series.
    public var results: [[TimeSeriesData]]

    /// Creates a response.
    public init(results: [[TimeSeriesData]]) {
        self.results = results
    }
}
