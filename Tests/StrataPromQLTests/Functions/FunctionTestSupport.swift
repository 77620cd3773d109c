import StrataModel
import Testing
@testable import StrataPromQL

/// Helpers for calling function implementations directly with hand-built arguments.
enum FunctionHarness {
    /// The parsed arguments of `call` (a function call query), for `FunctionArgs.exprs`.
    static func exprs(_ call: String) throws -> [Expr] {
        guard case .call(let c) = try PromQL.parse(call) else {
            Issue.record("\(call) is not a call")
            return []
        }
        return c.args
    }

    /// The implementation of `name`, recording an issue when there is none.
    static func impl(_ name: String) -> FunctionImplementation? {
        let f = FunctionTable.implementation(for: name)
        if f == nil { Issue.record("no implementation for \(name)") }
        return f
    }

    /// A scalar argument as the engine passes it.
    static func scalar(_ v: Double) -> Vector { [VectorSample(metric: .empty, t: 0, f: v)] }

    /// A labelled sample.
    static func sample(_ labels: [String: String], _ f: Double, t: Int64 = 0) -> VectorSample {
        VectorSample(metric: Labels(labels), t: t, f: f)
    }

    /// Calls an instant-vector function at `ts`.
    static func call(
        _ name: String, _ vectors: [Vector], query: String? = nil, ts: Int64 = 0
    ) throws -> (out: Vector, annotations: Annotations) {
        guard let f = impl(name) else { return ([], Annotations()) }
        let exprs = try query.map { try Self.exprs($0) } ?? []
        var enh = EvalNodeHelper(ts: ts)
        var annotations = Annotations()
        let out = try f(FunctionArgs(vectors: vectors, window: [], exprs: exprs), &enh, &annotations)
        return (out, annotations)
    }

    /// Calls a range-vector function for one series' window `(rangeStart, rangeEnd]`, step time
    /// `rangeEnd`. `points` are (seconds, value).
    static func window(
        _ name: String, _ points: [(Double, Double)], rangeStart: Int64, rangeEnd: Int64,
        scalars: [Int: Double] = [:], metric: Labels = Labels(["__name__": "m_total"]), query: String? = nil
    ) throws -> (out: Vector, annotations: Annotations) {
        guard let f = impl(name) else { return ([], Annotations()) }
        let count = max(1, (scalars.keys.max() ?? 0) + 1)
        var vectors = [Vector](repeating: [], count: count)
        for (i, v) in scalars { vectors[i] = scalar(v) }
        let floats = points.map { FPoint(t: Int64(($0.0 * 1000).rounded()), f: $0.1) }
        let series = SeriesResult(metric: metric, floats: floats)
        let exprs = try query.map { try Self.exprs($0) } ?? []
        var enh = EvalNodeHelper(ts: rangeEnd)
        var annotations = Annotations()
        let args = FunctionArgs(vectors: vectors, window: [series], exprs: exprs, rangeStart: rangeStart, rangeEnd: rangeEnd)
        let out = try f(args, &enh, &annotations)
        return (out, annotations)
    }

    /// The single value of a result, or NaN with an issue when there is not exactly one.
    static func value(_ out: Vector, sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        #expect(out.count == 1, "expected one sample, got \(out.count)", sourceLocation: sourceLocation)
        return out.first?.f ?? .nan
    }

    /// True when `a` and `b` agree to a relative `eps` (or are both NaN).
    static func close(_ a: Double, _ b: Double, _ eps: Double = 1e-12) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        return (a - b).magnitude <= eps * max(a.magnitude, b.magnitude)
    }
}
