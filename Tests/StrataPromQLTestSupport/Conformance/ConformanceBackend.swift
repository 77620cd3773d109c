import StrataChunks
import StrataModel
import StrataPromQL

/// What one query of the conformance runner gave back: a value with its rendered warnings and
/// infos (`PromQL warning: … (1:23)`), or an error's text.
enum ConformanceAnswer: Sendable {
    case value(QueryValue, warnings: [String], infos: [String])
    case error(String)

    /// The error's text; empty for a value.
    var errorMessage: String {
        if case .error(let message) = self { return message }
        return ""
    }
}

/// Where the conformance runner stores a script's `load` blocks and runs its queries: Strata's
/// engine over memory in-process (`ConformanceMemoryBackend`), or a running Strata over HTTP.
///
/// A backend starts empty; loads add to what it holds until `clear`.
protocol ConformanceBackend: Sendable {
    /// Forgets every loaded series.
    mutating func clear() async
    /// Stores the samples of `load` (a backend that cannot store native histograms skips them).
    mutating func load(_ load: ConformanceLoad) async
    /// Runs `query` as an instant query at `time` (ms).
    func instantQuery(_ query: String, at time: Int64) async -> ConformanceAnswer
    /// Runs `query` as a range query (all in ms).
    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async -> ConformanceAnswer
}

/// Strata's engine over a `MemoryQueryable`: the reference the other backends are held to.
struct ConformanceMemoryBackend: ConformanceBackend {
    /// The engine queries run through.
    let engine: Engine
    /// The loaded series.
    let storage = MemoryQueryable()

    init(engine: Engine) { self.engine = engine }

    func clear() async { storage.clear() }

    func load(_ load: ConformanceLoad) async { ConformanceRunner.apply(load, to: storage) }

    func instantQuery(_ query: String, at time: Int64) async -> ConformanceAnswer {
        do {
            return Self.answer(try await engine.instantQuery(query, at: time, tenant: .anonymous, storage: storage), query: query)
        } catch {
            return .error(error.description)
        }
    }

    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async -> ConformanceAnswer {
        do {
            return Self.answer(try await engine.rangeQuery(query, start: start, end: end, step: step, tenant: .anonymous, storage: storage),
                               query: query)
        } catch {
            return .error(error.description)
        }
    }

    private static func answer(_ result: QueryResult, query: String) -> ConformanceAnswer {
        let texts = result.annotations.texts(query: query)
        return .value(result.value, warnings: texts.warnings, infos: texts.infos)
    }
}

extension ConformanceSeries {
    /// The samples of both kinds (staleness markers included) at `interval` steps from time 0;
    /// `_` leaves its step empty.
    func mixedSamples(interval: Int64) -> [MixedSample] {
        var samples: [MixedSample] = []
        samples.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            switch v {
            case .float(let f): samples.append(MixedSample(timestamp: Int64(i) * interval, f: f, h: nil))
            case .histogram(let h): samples.append(MixedSample(timestamp: Int64(i) * interval, f: 0, h: h.h))
            case .omitted: break
            }
        }
        return samples
    }

    /// The float samples (staleness markers included) at `interval` steps from time 0; `_` and
    /// histogram values leave their step empty.
    func floatSamples(interval: Int64) -> [Sample] {
        var samples: [Sample] = []
        samples.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            if case .float(let f) = v { samples.append(Sample(timestamp: Int64(i) * interval, value: f)) }
        }
        return samples
    }
}
