import StrataModel
@testable import StrataPromQL
import Testing

/// `quantile`: interpolation, NaN ordering, out-of-range parameters and their warning.
@Suite struct QuantileAggregationTests {
    private let L = AggTest.labels

    private func data(_ values: [Double]) -> [(Labels, Double)] {
        values.enumerated().map { (L(["point": "\($0.offset)"]), $0.element) }
    }

    @Test func interpolatesBetweenRanks() throws {
        #expect(AggTest.close(try AggTest.run("quantile(0.8, x)", data([0, 1]), param: 0.8)[0].f, 0.8))
        #expect(AggTest.close(try AggTest.run("quantile(0.8, x)", data([0, 1, 2]), param: 0.8)[0].f, 1.6))
        #expect(AggTest.close(try AggTest.run("quantile(0.8, x)", data([0, 1, 4]), param: 0.8)[0].f, 2.8))
        #expect(AggTest.close(try AggTest.run("quantile(0.2, x)", data([0, 1, 4]), param: 0.2)[0].f, 0.4))
    }

    @Test func nanIsTheSmallestValue() throws {
        #expect(AggTest.close(try AggTest.run("quantile(0.8, x)", data([0, 1, .nan]), param: 0.8)[0].f, 0.6))
        #expect(try AggTest.run("quantile(0.2, x)", data([0, 1, .nan]), param: 0.2)[0].f.isNaN)
    }

    @Test func outOfRangeParameterGivesInfinityAndWarns() throws {
        var ann = Annotations()
        let query = "quantile(2, x)"
        let out = try AggTest.run(query, data([0, 1]), param: 2, annotations: &ann)
        #expect(out[0].f == .infinity)
        #expect(ann.texts(query: query).warnings == ["PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)"])
        var neg = Annotations()
        #expect(try AggTest.run("quantile(-1, x)", data([0]), param: -1, annotations: &neg)[0].f == -.infinity)
        #expect(neg.entries.map(\.message) == ["quantile value should be between 0 and 1, got -1"])
        var nan = Annotations()
        #expect(try AggTest.run("quantile(NaN, x)", data([0]), param: .nan, annotations: &nan)[0].f.isNaN)
        #expect(nan.entries.map(\.message) == ["quantile value should be between 0 and 1, got NaN"])
    }

    @Test func warningPositionIsInsideParentheses() throws {
        var ann = Annotations()
        let query = "quantile(((5)), x)"
        _ = try AggTest.run(query, data([0]), param: 5, annotations: &ann)
        #expect(ann.texts(query: query).warnings == ["PromQL warning: quantile value should be between 0 and 1, got 5 (1:12)"])
    }

    @Test func wholeRangeValidationWarnsOncePerKind() throws {
        let expr = try AggTest.aggregate("quantile(scalar(foo), x)")
        var agg = try Aggregation(expr: expr, series: [L(["a": "1"])], dropName: [false])
        var ann = Annotations()
        try agg.validate(params: [0.5, 2, 3, -1, .nan], annotations: &ann)
        #expect(ann.entries.map(\.message) == [
            "quantile value should be between 0 and 1, got NaN",
        ])
        var ann2 = Annotations()
        var agg2 = try Aggregation(expr: expr, series: [L(["a": "1"])], dropName: [false])
        try agg2.validate(params: [0.5, 2, 3, -1], annotations: &ann2)
        #expect(ann2.entries.map(\.message) == [
            "quantile value should be between 0 and 1, got 3",
            "quantile value should be between 0 and 1, got -1",
        ])
        let out = try agg2.step(ts: 0, samples: [.init(series: 0, f: 7)], param: 2, label: nil, annotations: &ann2)
        #expect(out[0].f == .infinity)
        #expect(ann2.entries.count == 2)
    }
}
