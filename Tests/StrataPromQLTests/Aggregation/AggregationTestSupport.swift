import StrataModel
@testable import StrataPromQL
import Testing

/// Builds aggregations from query text and runs steps over in-memory inputs.
enum AggTest {
    /// Label set from `name=value` pairs.
    static func labels(_ pairs: [String: String]) -> Labels { Labels(pairs) }

    /// The aggregate expression at the root of `query` (parentheses around it removed).
    static func aggregate(_ query: String) throws -> AggregateExpr {
        var expr = try PromQL.parse(query)
        while case .paren(let p) = expr { expr = p.expr }
        guard case .aggregate(let a) = expr else {
            throw AggTestError.notAnAggregation(query)
        }
        return a
    }

    /// Runs one step of `query` over `inputs` (every input has a value at this step).
    static func run(
        _ query: String, _ inputs: [(Labels, Double)], param: Double? = nil, dropName: [Bool]? = nil,
        annotations: inout Annotations
    ) throws -> Vector {
        let expr = try aggregate(query)
        var agg = try Aggregation(expr: expr, series: inputs.map(\.0),
                                  dropName: dropName ?? Array(repeating: false, count: inputs.count))
        let samples = inputs.indices.map { AggregationSample(series: $0, f: inputs[$0].1) }
        return try agg.step(ts: 1000, samples: samples, param: param, label: nil, annotations: &annotations)
    }

    /// `run` without looking at annotations.
    static func run(_ query: String, _ inputs: [(Labels, Double)], param: Double? = nil) throws -> Vector {
        var ann = Annotations()
        return try run(query, inputs, param: param, annotations: &ann)
    }

    /// The output as `labels → value`, for order-independent comparisons.
    static func byLabels(_ v: Vector) -> [Labels: Double] {
        var out: [Labels: Double] = [:]
        for s in v { out[s.metric] = s.f }
        return out
    }

    /// The eight `http_requests` series of aggregators.test at 50m.
    static var httpRequests: [(Labels, Double)] {
        var out: [(Labels, Double)] = []
        var value = 100.0
        for job in ["api-server", "app-server"] {
            for group in ["production", "canary"] {
                for instance in ["0", "1"] {
                    out.append((labels(["__name__": "http_requests", "job": job, "instance": instance, "group": group]), value))
                    value += 100
                }
            }
        }
        return out
    }

    /// Equal within Prometheus's test tolerance, NaN equal to NaN.
    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a.isInfinite || b.isInfinite { return a == b }
        return abs(a - b) <= 1e-9 * Swift.max(1, abs(b))
    }
}

/// Failures of the test support itself.
enum AggTestError: Error {
    /// The query's root is not an aggregation.
    case notAnAggregation(String)
}
