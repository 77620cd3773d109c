import StrataModel
import StrataPromQL

/// The binary form of query requests, responses and failures: what the frontend and its
/// queriers exchange over gRPC and what the results cache stores (before compression).
///
/// Layout (docs/format/query-messages.md): a version byte, then fields in a fixed order as
/// unsigned or zig-zag varints, length-prefixed UTF-8 strings and little-endian doubles; point
/// timestamps are delta-encoded.
public enum QueryCodec {
    /// The format version of requests and failures, written first; a reader refuses any other.
    public static let version: UInt8 = 1
    /// The format version of responses. 2 added native-histogram points; a version-1
    /// response (a results-cache entry written before) is refused, so it reads as a miss.
    public static let responseVersion: UInt8 = 2

    private enum ValueTag: UInt8 {
        case scalar = 1, string = 2, vector = 3, matrix = 4
    }

    /// What follows a vector sample's timestamp: a double, or a histogram.
    private enum SampleKind: UInt8 {
        case float = 0, histogram = 1
    }

    // MARK: - Requests

    /// Encodes a request.
    public static func encode(_ r: QueryRequest) -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + r.query.utf8.count)
        w.byte(version)
        w.byte(r.kind.rawValue)
        w.count(r.tenants.count)
        for t in r.tenants { w.string(t.description) }
        w.string(r.query)
        w.varint(r.start)
        w.varint(r.end)
        w.varint(r.step)
        w.varint(r.timeoutMs)
        w.varint(r.lookbackDeltaMs)
        w.string(r.maxSourceResolution)
        w.byte(r.stats ? 1 : 0)
        w.count(r.selectors.count)
        for sel in r.selectors { w.string(sel) }
        w.string(r.labelName)
        // Only metadata requests carry these, so the bytes of the other kinds are unchanged.
        if r.kind == .metadata {
            w.string(r.metric)
            w.varint(r.limit)
            w.varint(r.limitPerMetric)
        }
        return w.bytes
    }

    /// Decodes a request.
    public static func decodeRequest(_ bytes: [UInt8]) throws(QueryCodecError) -> QueryRequest {
        var r = BinaryReader(bytes)
        try expectVersion(&r)
        guard let kind = QueryRequest.Kind(rawValue: try r.byte()) else { throw .malformed("unknown request kind") }
        let n = try r.count()
        var tenants: [TenantID] = []
        for _ in 0..<n {
            let text = try r.string()
            do {
                tenants.append(try TenantID(validating: text))
            } catch {
                throw .malformed("tenant \"\(text)\": \(error)")
            }
        }
        let query = try r.string()
        let start = try r.varint(), end = try r.varint(), step = try r.varint()
        let timeout = try r.varint(), lookback = try r.varint()
        let resolution = try r.string()
        let stats = try r.byte() != 0
        var request = QueryRequest(kind: kind, tenants: tenants, query: query, start: start, end: end, step: step,
                                   timeoutMs: timeout, lookbackDeltaMs: lookback, maxSourceResolution: resolution, stats: stats)
        for _ in 0..<(try r.count()) { request.selectors.append(try r.string()) }
        request.labelName = try r.string()
        if kind == .metadata {
            request.metric = try r.string()
            request.limit = try r.varint()
            request.limitPerMetric = try r.varint()
        }
        return request
    }

    // MARK: - Responses

    /// Encodes a response.
    public static func encode(_ response: QueryResponse) -> [UInt8] {
        var w = BinaryWriter(capacity: estimatedSize(response.value))
        w.byte(responseVersion)
        writeValue(response.value, into: &w)
        w.count(response.warnings.count)
        for s in response.warnings { w.string(s) }
        w.count(response.infos.count)
        for s in response.infos { w.string(s) }
        let st = response.stats
        for n in [st.seriesFetched, st.samplesProcessed, st.chunkBytesFetched, st.querierRequests, st.splitQueries,
                  st.shardedQueries, st.shards, st.resultsCacheHits, st.resultsCacheMisses] {
            w.count(n)
        }
        w.count(st.resolutions.count)
        for r in st.resolutions { w.varint(r) }
        w.string(st.rewrittenQuery)
        w.double(st.queueSeconds)
        // Answers to exemplars and metadata requests only: other responses (and results-cache
        // entries) end here, as before these kinds existed.
        if !response.exemplars.isEmpty || !response.metadata.isEmpty {
            writeExemplarsAndMetadata(response, into: &w)
        }
        return w.bytes
    }

    /// Decodes a response.
    public static func decodeResponse(_ bytes: [UInt8]) throws(QueryCodecError) -> QueryResponse {
        var r = BinaryReader(bytes)
        try expectVersion(&r, responseVersion)
        let value = try readValue(&r)
        var warnings: [String] = [], infos: [String] = []
        for _ in 0..<(try r.count()) { warnings.append(try r.string()) }
        for _ in 0..<(try r.count()) { infos.append(try r.string()) }
        var st = QueryStats()
        st.seriesFetched = try r.count(minBytesEach: 0)
        st.samplesProcessed = try r.count(minBytesEach: 0)
        st.chunkBytesFetched = try r.count(minBytesEach: 0)
        st.querierRequests = try r.count(minBytesEach: 0)
        st.splitQueries = try r.count(minBytesEach: 0)
        st.shardedQueries = try r.count(minBytesEach: 0)
        st.shards = try r.count(minBytesEach: 0)
        st.resultsCacheHits = try r.count(minBytesEach: 0)
        st.resultsCacheMisses = try r.count(minBytesEach: 0)
        for _ in 0..<(try r.count()) { st.resolutions.append(try r.varint()) }
        st.rewrittenQuery = try r.string()
        st.queueSeconds = try r.double()
        var response = QueryResponse(value: value, warnings: warnings, infos: infos, stats: st)
        if !r.atEnd {
            try readExemplarsAndMetadata(&r, into: &response)
        }
        return response
    }

    /// The exemplars and metadata section: a count of series groups, per group the series
    /// labels and a count of exemplars (labels, `double` value, `varint` timestamp each); then a
    /// count of metadata entries (metric name, type byte, help, unit each).
    private static func writeExemplarsAndMetadata(_ response: QueryResponse, into w: inout BinaryWriter) {
        w.count(response.exemplars.count)
        for group in response.exemplars {
            writeLabels(group.seriesLabels, into: &w)
            w.count(group.exemplars.count)
            for e in group.exemplars {
                writeLabels(e.labels, into: &w)
                w.double(e.value)
                w.varint(e.timestamp)
            }
        }
        w.count(response.metadata.count)
        for m in response.metadata {
            w.string(m.metricFamilyName)
            w.byte(UInt8(truncatingIfNeeded: m.type.protobufValue))
            w.string(m.help)
            w.string(m.unit)
        }
    }

    private static func readExemplarsAndMetadata(_ r: inout BinaryReader, into response: inout QueryResponse) throws(QueryCodecError) {
        // Smallest group: no labels (1), no exemplars (1); smallest exemplar: no labels (1), a
        // double (8), a timestamp (1).
        let groups = try r.count(minBytesEach: 2)
        var exemplars: [SeriesExemplars] = []
        exemplars.reserveCapacity(groups)
        for _ in 0..<groups {
            let series = try readLabels(&r)
            let n = try r.count(minBytesEach: 10)
            var list: [Exemplar] = []
            list.reserveCapacity(n)
            for _ in 0..<n {
                let labels = try readLabels(&r)
                let value = try r.double()
                list.append(Exemplar(labels: labels, value: value, timestamp: try r.varint()))
            }
            exemplars.append(SeriesExemplars(seriesLabels: series, exemplars: list))
        }
        // Smallest entry: a name of one byte (2), the type (1), empty help and unit (2).
        let entries = try r.count(minBytesEach: 5)
        var metadata: [MetricMetadata] = []
        metadata.reserveCapacity(entries)
        for _ in 0..<entries {
            let name = try r.string()
            guard !name.isEmpty else { throw .malformed("metadata entry without a metric name") }
            let code = try r.byte()
            guard code <= 7 else { throw .malformed("metadata of \"\(name)\": unknown metric type \(code)") }
            let help = try r.string()
            metadata.append(MetricMetadata(metricFamilyName: name, type: MetricType(protobufValue: UInt64(code)), help: help,
                                           unit: try r.string()))
        }
        response.exemplars = exemplars
        response.metadata = metadata
    }

    // MARK: - Failures

    /// Encodes a failure.
    public static func encode(_ f: QueryFailure) -> [UInt8] {
        var w = BinaryWriter(capacity: 32 + f.message.utf8.count)
        w.byte(version)
        w.string(f.errorType)
        w.count(f.status)
        w.string(f.message)
        return w.bytes
    }

    /// Decodes a failure.
    public static func decodeFailure(_ bytes: [UInt8]) throws(QueryCodecError) -> QueryFailure {
        var r = BinaryReader(bytes)
        try expectVersion(&r)
        let type = try r.string()
        let status = try r.count(minBytesEach: 0)
        guard (100...599).contains(status) else { throw .malformed("HTTP status \(status)") }
        return QueryFailure(errorType: type, status: status, message: try r.string())
    }

    // MARK: - Values

    static func writeValue(_ value: QueryValue, into w: inout BinaryWriter) {
        switch value {
        case .scalar(let t, let f):
            w.byte(ValueTag.scalar.rawValue)
            w.varint(t)
            w.double(f)
        case .string(let t, let s):
            w.byte(ValueTag.string.rawValue)
            w.varint(t)
            w.string(s)
        case .vector(let v):
            w.byte(ValueTag.vector.rawValue)
            w.count(v.count)
            for s in v {
                writeLabels(s.metric, into: &w)
                w.byte(s.dropName ? 1 : 0)
                w.varint(s.t)
                if let h = s.h {
                    w.byte(SampleKind.histogram.rawValue)
                    HistogramCodec.write(h, into: &w)
                } else {
                    w.byte(SampleKind.float.rawValue)
                    w.double(s.f)
                }
            }
        case .matrix(let m):
            w.byte(ValueTag.matrix.rawValue)
            w.count(m.count)
            for s in m {
                writeLabels(s.metric, into: &w)
                w.byte(s.dropName ? 1 : 0)
                w.count(s.floats.count)
                var prev: Int64 = 0
                for p in s.floats {
                    w.varint(p.t &- prev)
                    prev = p.t
                    w.double(p.f)
                }
                w.count(s.histograms.count)
                prev = 0
                for p in s.histograms {
                    w.varint(p.t &- prev)
                    prev = p.t
                    HistogramCodec.write(p.h, into: &w)
                }
            }
        }
    }

    static func readValue(_ r: inout BinaryReader) throws(QueryCodecError) -> QueryValue {
        guard let tag = ValueTag(rawValue: try r.byte()) else { throw .malformed("unknown value type") }
        switch tag {
        case .scalar:
            return .scalar(t: try r.varint(), f: try r.double())
        case .string:
            return .string(t: try r.varint(), value: try r.string())
        case .vector:
            // Smallest sample: no labels (1), dropName (1), t (1), kind (1), a double (8).
            let n = try r.count(minBytesEach: 12)
            var v = Vector()
            v.reserveCapacity(n)
            for _ in 0..<n {
                let labels = try readLabels(&r)
                let drop = try r.byte() != 0
                let t = try r.varint()
                guard let kind = SampleKind(rawValue: try r.byte()) else { throw .malformed("unknown sample kind") }
                switch kind {
                case .float:
                    v.append(VectorSample(metric: labels, t: t, f: try r.double(), dropName: drop))
                case .histogram:
                    v.append(VectorSample(metric: labels, t: t, h: try HistogramCodec.read(&r), dropName: drop))
                }
            }
            return .vector(v)
        case .matrix:
            // Smallest series: no labels (1), dropName (1), two empty point counts (2).
            let n = try r.count(minBytesEach: 4)
            var m = Matrix()
            m.reserveCapacity(n)
            for _ in 0..<n {
                let labels = try readLabels(&r)
                let drop = try r.byte() != 0
                let points = try r.count(minBytesEach: 9)
                var floats: [FPoint] = []
                floats.reserveCapacity(points)
                var t: Int64 = 0
                for _ in 0..<points {
                    t = t &+ (try r.varint())
                    floats.append(FPoint(t: t, f: try r.double()))
                }
                let hpoints = try r.count(minBytesEach: 1 + HistogramCodec.minBytes)
                var histograms: [HPoint] = []
                histograms.reserveCapacity(hpoints)
                t = 0
                for _ in 0..<hpoints {
                    t = t &+ (try r.varint())
                    histograms.append(HPoint(t: t, h: try HistogramCodec.read(&r)))
                }
                m.append(SeriesResult(metric: labels, floats: floats, histograms: histograms, dropName: drop))
            }
            return .matrix(m)
        }
    }

    private static func writeLabels(_ labels: Labels, into w: inout BinaryWriter) {
        w.count(labels.count)
        for l in labels {
            w.string(l.name)
            w.string(l.value)
        }
    }

    private static func readLabels(_ r: inout BinaryReader) throws(QueryCodecError) -> Labels {
        let n = try r.count(minBytesEach: 2)
        var list: [Label] = []
        list.reserveCapacity(n)
        for _ in 0..<n { list.append(Label(name: try r.string(), value: try r.string())) }
        // A peer's labels are sorted and made unique again rather than trusted.
        return Labels(list)
    }

    private static func expectVersion(_ r: inout BinaryReader, _ expected: UInt8 = version) throws(QueryCodecError) {
        let v = try r.byte()
        guard v == expected else { throw .malformed("version \(v), expected \(expected)") }
    }

    private static func estimatedSize(_ value: QueryValue) -> Int {
        switch value {
        case .scalar, .string: return 64
        case .vector(let v): return min(64 + v.count * 64, 1 << 28)
        case .matrix(let m):
            var points = 0
            for s in m { points += s.floats.count + s.histograms.count * 8 }
            return min(64 + m.count * 64 + points * 10, 1 << 28)
        }
    }
}
