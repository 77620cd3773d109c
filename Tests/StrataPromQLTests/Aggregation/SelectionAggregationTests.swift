import StrataModel
@testable import StrataPromQL
import Testing

/// topk, bottomk, limitk and limit_ratio: selection, order, parameter errors, sampling by hash.
@Suite struct SelectionAggregationTests {
    private let L = AggTest.labels

    /// aggregators.test's topk data: the eight series plus a NaN one in api-server/production.
    private var withNaN: [(Labels, Double)] {
        var inputs = AggTest.httpRequests
        inputs.insert((L(["__name__": "http_requests", "job": "api-server", "instance": "2", "group": "production"]), .nan), at: 2)
        return inputs
    }

    @Test func topkIsOrderedBestFirstAndKeepsFullLabels() throws {
        let out = try AggTest.run("topk(3, x)", withNaN, param: 3)
        #expect(out.map(\.f) == [800, 700, 600])
        #expect(out[0].metric == L(["__name__": "http_requests", "job": "app-server", "instance": "1", "group": "canary"]))
    }

    @Test func bottomkIsOrderedBestFirst() throws {
        let out = try AggTest.run("bottomk(3, x)", withNaN, param: 3)
        #expect(out.map(\.f) == [100, 200, 300])
    }

    @Test func nanSortsAwayFromTheTopAndBottom() throws {
        let prod = withNaN.filter { $0.0["job"] == "api-server" && $0.0["group"] == "production" }
        let top = try AggTest.run("topk(3, x)", prod, param: 3)
        #expect(top.count == 3)
        #expect(top[0].f == 200 && top[1].f == 100 && top[2].f.isNaN)
        let bottom = try AggTest.run("bottomk(3, x)", prod, param: 3)
        #expect(bottom[0].f == 100 && bottom[1].f == 200 && bottom[2].f.isNaN)
        // A NaN is replaced as soon as a number comes along.
        let one = try AggTest.run("topk(1, x)", [(L(["i": "n"]), .nan), (L(["i": "a"]), 1)], param: 1)
        #expect(one.map(\.f) == [1])
    }

    @Test func hugeKIsCappedAtTheSeriesCount() throws {
        let out = try AggTest.run("topk(9999999999, x)", withNaN, param: 9_999_999_999)
        #expect(out.count == withNaN.count)
    }

    @Test func byGroupSelectsPerGroupInGroupOrder() throws {
        let out = try AggTest.run("topk by (group) (1, x)", withNaN, param: 1)
        #expect(out.map(\.f) == [600, 800])
        let bottom = try AggTest.run("bottomk by (group) (2, x)", withNaN, param: 2)
        #expect(bottom.map(\.f) == [100, 200, 300, 400])
    }

    @Test func kBelowOneIsEmpty() throws {
        #expect(try AggTest.run("topk(0, x)", withNaN, param: 0).isEmpty)
        #expect(try AggTest.run("limitk(-1, x)", withNaN, param: -1).isEmpty)
        #expect(try AggTest.run("bottomk(0.5, x)", withNaN, param: 0.5).isEmpty)
    }

    @Test func nanParameterFailsEvenWithoutInput() throws {
        #expect(throws: QueryError.execution("Parameter value is NaN")) {
            _ = try AggTest.run("topk(NaN, x)", [], param: .nan)
        }
        #expect(throws: QueryError.execution("Parameter value is NaN")) {
            _ = try AggTest.run("limitk(NaN, x)", [], param: .nan)
        }
        #expect(throws: QueryError.execution("Ratio value is NaN")) {
            _ = try AggTest.run("limit_ratio(NaN, x)", [], param: .nan)
        }
    }

    @Test func kOutsideInt64Fails() throws {
        #expect(throws: QueryError.execution("Scalar value 1e+19 overflows int64")) {
            _ = try AggTest.run("topk(1e19, x)", withNaN, param: 1e19)
        }
        let expr = try AggTest.aggregate("topk(scalar(x), y)")
        var agg = try Aggregation(expr: expr, series: [], dropName: [])
        var ann = Annotations()
        #expect(throws: QueryError.execution("Scalar value -1e+19 underflows int64")) {
            try agg.validate(params: [-1e19, 2], annotations: &ann)
        }
        var allLow = try Aggregation(expr: expr, series: [], dropName: [])
        try allLow.validate(params: [-1e19, 0], annotations: &ann)
    }

    @Test func limitkKeepsKPerGroupFromTheInput() throws {
        let out = try AggTest.run("limitk by (group) (1, x)", withNaN, param: 1)
        #expect(out.count == 2)
        let two = try AggTest.run("limitk by (group) (2, x)", withNaN, param: 2)
        #expect(two.count == 4)
        let inputSet = Set(withNaN.map(\.0))
        #expect(two.allSatisfy { inputSet.contains($0.metric) })
        #expect(try AggTest.run("limitk(100, x)", withNaN, param: 100).count == withNaN.count)
    }

    @Test func selectionKeepsDropNameOfEachSeries() throws {
        let inputs = [(L(["__name__": "a", "i": "1"]), 1.0), (L(["__name__": "a", "i": "2"]), 2)]
        var ann = Annotations()
        let out = try AggTest.run("topk(2, x)", inputs, param: 2, dropName: [true, false], annotations: &ann)
        #expect(out.map(\.dropName) == [false, true])
    }

    @Test func stableHashIsPrometheusLabelsHash() {
        // xxHash64 of "__name__\xffhttp_requests\xffgroup\xffproduction\xffinstance\xff0\xffjob\xffapi-server\xff",
        // the bytes Prometheus's labels.Hash() hashes for this series.
        let labels = L(["__name__": "http_requests", "group": "production", "instance": "0", "job": "api-server"])
        #expect(labels.stableHash == 5_737_210_222_916_244_952)
        #expect(L(["a": "1"]).stableHash == 7_311_538_254_805_615_637)
        #expect(abs(SelectionAggregationState.ratioOffset(of: labels) - 0.31101478938459187) < 1e-15)
    }

    @Test func limitRatioSelectsComplementsByHash() throws {
        let inputs = withNaN
        for r in [0.2, 0.5, 0.8, 0.3] {
            let low = try AggTest.run("limit_ratio(0.5, x)", inputs, param: r)
            let high = try AggTest.run("limit_ratio(0.5, x)", inputs, param: -(1 - r))
            let lowSet = Set(low.map(\.metric)), highSet = Set(high.map(\.metric))
            #expect(lowSet.isDisjoint(with: highSet))
            #expect(lowSet.union(highSet).count == inputs.count)
        }
        #expect(try AggTest.run("limit_ratio(1, x)", inputs, param: 1).count == inputs.count)
        #expect(try AggTest.run("limit_ratio(-1, x)", inputs, param: -1).count == inputs.count)
        #expect(try AggTest.run("limit_ratio(0, x)", inputs, param: 0).isEmpty)
    }

    @Test func limitRatioOutOfRangeIsCappedWithAWarning() throws {
        var ann = Annotations()
        let out = try AggTest.run("limit_ratio(1.1, x)", withNaN, param: 1.1, annotations: &ann)
        #expect(out.count == withNaN.count)
        #expect(ann.entries.map(\.message) == ["ratio value should be between -1 and 1, got 1.1, capping to 1"])
        #expect(ann.entries.first?.position == PositionRange(start: 12, end: 15))
        var neg = Annotations()
        _ = try AggTest.run("limit_ratio(-1.1, x)", withNaN, param: -1.1, annotations: &neg)
        #expect(neg.entries.map(\.message) == ["ratio value should be between -1 and 1, got -1.1, capping to -1"])
    }

    @Test func tiesKeepTheFirstSeenSeriesLikePrometheus() throws {
        let tied = (0..<5).map { (L(["i": "\($0)"]), 52.0) }
        let one = try AggTest.run("topk(1, x)", tied, param: 1)
        #expect(one.map(\.metric) == [L(["i": "0"])])
        let bottom = try AggTest.run("bottomk(1, x)", tied, param: 1)
        #expect(bottom.map(\.metric) == [L(["i": "0"])])
    }

    @Test func rangeStepsAreIndependent() throws {
        let expr = try AggTest.aggregate("topk(scalar(foo), x)")
        let series = [L(["i": "0"]), L(["i": "1"]), L(["i": "2"])]
        var agg = try Aggregation(expr: expr, series: series, dropName: [false, false, false])
        var ann = Annotations()
        let all = (0..<3).map { AggregationSample(series: $0, f: Double($0)) }
        #expect(try agg.step(ts: 0, samples: all, param: 1, label: nil, annotations: &ann).map(\.f) == [2])
        #expect(try agg.step(ts: 1, samples: all, param: 3, label: nil, annotations: &ann).map(\.f) == [2, 1, 0])
        #expect(try agg.step(ts: 2, samples: Array(all.prefix(2)), param: 2, label: nil, annotations: &ann).map(\.f) == [1, 0])
    }

    @Test func wholeRangeRatioValidationWarnsForTheExtremes() throws {
        let expr = try AggTest.aggregate("limit_ratio(scalar(x), y)")
        var agg = try Aggregation(expr: expr, series: withNaN.map(\.0), dropName: Array(repeating: false, count: withNaN.count))
        var ann = Annotations()
        try agg.validate(params: [0.5, 1.5, 2, -3], annotations: &ann)
        #expect(ann.entries.map(\.message) == [
            "ratio value should be between -1 and 1, got 2, capping to 1",
            "ratio value should be between -1 and 1, got -3, capping to -1",
        ])
        let samples = withNaN.indices.map { AggregationSample(series: $0, f: withNaN[$0].1) }
        let out = try agg.step(ts: 0, samples: samples, param: 1.5, label: nil, annotations: &ann)
        #expect(out.count == withNaN.count)
        #expect(ann.entries.count == 2)
        var zero = try Aggregation(expr: expr, series: [], dropName: [])
        try zero.validate(params: [0, 0], annotations: &ann)
        var nan = try Aggregation(expr: expr, series: [], dropName: [])
        #expect(throws: QueryError.execution("Ratio value is NaN")) {
            try nan.validate(params: [0.5, .nan], annotations: &ann)
        }
    }
}
