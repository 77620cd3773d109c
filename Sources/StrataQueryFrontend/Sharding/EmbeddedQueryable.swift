import StrataChunks
import StrataModel
import StrataPromQL

/// The storage the frontend evaluates a sharding plan's outer expression over: the results of
/// the plan's legs, answered to the embedded selectors `__embedded_queries__{__leg__="k"}`.
///
/// Each result series becomes one stored series with a point at each step it has: XOR chunks
/// for float points, float-histogram chunks for native-histogram points, so the merge
/// expression evaluates histograms exactly as the unsharded query would. A staleness marker is put one step after any point whose next step has none, so the
/// outer engine's lookback never carries a value over a gap (a step where a shard had no
/// sample for a group must stay empty, as it is in the unsharded answer). Series of a leg with
/// `labelsShards` carry `ShardingPlan.shardLabel="i_of_N"`, so that equal label sets from
/// different shards are separate series to every operator (the merge drops the label).
public struct EmbeddedQueryable: Queryable {
    /// Series per leg, sorted by labels.
    private let series: [[QuerySeries]]

    /// Why leg results cannot be turned into series.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// A leg query answered a scalar or a string where an instant vector was expected.
        case unexpectedResult(leg: Int, resultType: String)
        /// The number of results does not match the plan.
        case resultCount(leg: Int, expected: Int, got: Int)
        /// A select named no leg or a leg the plan does not have.
        case unknownLeg(String)

        public var description: String {
            switch self {
            case .unexpectedResult(let leg, let type):
                return "query sharding: leg \(leg) answered a \(type), not an instant vector"
            case .resultCount(let leg, let expected, let got):
                return "query sharding: leg \(leg) has \(got) results for \(expected) queries"
            case .unknownLeg(let matchers):
                return "query sharding: no embedded query for selector {\(matchers)}"
            }
        }
    }

    /// Stores the results of `plan`'s legs: `results[k][i]` answers `plan.legs[k].queries[i]`;
    /// a vector for an instant query, a matrix (points at `step` multiples from the query's
    /// start) for a range query. `step` is the range query's step, 0 for an instant query.
    public init(plan: ShardingPlan, results: [[QueryValue]], step: Int64) throws(Failure) {
        guard results.count == plan.legs.count else {
            throw .resultCount(leg: results.count, expected: plan.legs.count, got: results.count)
        }
        var all: [[QuerySeries]] = []
        all.reserveCapacity(plan.legs.count)
        for (k, leg) in plan.legs.enumerated() {
            let values = results[k]
            guard values.count == leg.queries.count else {
                throw .resultCount(leg: k, expected: leg.queries.count, got: values.count)
            }
            var out: [QuerySeries] = []
            for (i, value) in values.enumerated() {
                let shardLabel: Label? = leg.labelsShards
                    ? Label(name: ShardingPlan.shardLabel, value: "\(i + 1)_of_\(values.count)") : nil
                switch value {
                case .vector(let vector):
                    for s in vector {
                        let histograms = s.h.map { [HPoint(t: s.t, h: $0)] } ?? []
                        let floats = s.h == nil ? [FPoint(t: s.t, f: s.f)] : []
                        out.append(Self.series(labels: s.metric, shardLabel: shardLabel, floats: floats,
                                               histograms: histograms, step: 0))
                    }
                case .matrix(let matrix):
                    for s in matrix where !s.isEmpty {
                        out.append(Self.series(labels: s.metric, shardLabel: shardLabel, floats: s.floats,
                                               histograms: s.histograms, step: step))
                    }
                case .scalar, .string:
                    throw .unexpectedResult(leg: k, resultType: value.resultType)
                }
            }
            out.sort { $0.labels < $1.labels }
            all.append(out)
        }
        series = all
    }

    /// One stored series of a result series: its points, with a staleness marker one step
    /// after every point not followed by a point at the next step. Float points become XOR
    /// chunks, native-histogram points float-histogram chunks (a marker is of its point's kind);
    /// a series holding both kinds gets one run of chunks per stretch of one kind, in time order.
    static func series(labels: Labels, shardLabel: Label?, floats: [FPoint], histograms: [HPoint], step: Int64) -> QuerySeries {
        enum Point {
            case float(Sample)
            case histogram(FloatHistogramSample)
            var t: Int64 {
                switch self {
                case .float(let s): return s.timestamp
                case .histogram(let s): return s.timestamp
                }
            }
        }
        // Both kinds in time order (a result never has both at one time).
        var merged: [Point] = []
        merged.reserveCapacity(floats.count + histograms.count)
        var i = 0, j = 0
        while i < floats.count || j < histograms.count {
            if j == histograms.count || (i < floats.count && floats[i].t <= histograms[j].t) {
                // A result is never a staleness marker; a NaN of that bit pattern must not become one.
                let f = floats[i].f
                merged.append(.float(Sample(timestamp: floats[i].t, value: StaleNaN.isStale(f) ? .nan : f)))
                i += 1
            } else {
                var h = histograms[j].h
                if h.isStale { h.sum = .nan }
                merged.append(.histogram(FloatHistogramSample(timestamp: histograms[j].t, histogram: h)))
                j += 1
            }
        }
        var samples: [Point] = []
        samples.reserveCapacity(merged.count + 1)
        for (k, p) in merged.enumerated() {
            samples.append(p)
            guard step > 0 else { continue }
            let next = p.t &+ step
            if k + 1 == merged.count || merged[k + 1].t > next {
                switch p {
                case .float: samples.append(.float(Sample(timestamp: next, value: StaleNaN.value)))
                case .histogram: samples.append(.histogram(FloatHistogramSample(timestamp: next, histogram: .staleMarker)))
                }
            }
        }
        // Chunks per run of one kind.
        var chunks: [EncodedChunk] = []
        var runFloats: [Sample] = [], runHistograms: [FloatHistogramSample] = []
        func flush() {
            if !runFloats.isEmpty { chunks += Rechunker.chunks(of: runFloats, samplesPerChunk: XORChunk.maxSamples) }
            if !runHistograms.isEmpty { chunks += HistogramRechunker.chunks(of: runHistograms) }
            runFloats.removeAll(keepingCapacity: true)
            runHistograms.removeAll(keepingCapacity: true)
        }
        for p in samples {
            switch p {
            case .float(let s):
                if !runHistograms.isEmpty { flush() }
                runFloats.append(s)
            case .histogram(let s):
                if !runFloats.isEmpty { flush() }
                runHistograms.append(s)
            }
        }
        flush()
        let labelled = shardLabel.map { Labels(labels.storage + [$0]) } ?? labels
        return QuerySeries(labels: labelled, chunks: chunks)
    }

    /// The series of the leg named by the `__leg__` matcher.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        guard let m = request.matchers.first(where: { $0.name == ShardingPlan.legLabel && $0.type == .equal }),
              let k = Int(m.value), k >= 0, k < series.count else {
            throw Failure.unknownLeg(request.matchers.map(\.description).joined(separator: ", "))
        }
        return series[k]
    }

    /// Not used by the outer expression (it calls no label API); answers nothing.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        []
    }

    /// Not used by the outer expression (it calls no label API); answers nothing.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        []
    }
}
