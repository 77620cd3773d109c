import StrataModel
@testable import StrataPromQL
import Testing

/// sum, avg, count, min, max, group, stddev, stdvar and grouping, checked against the values of
/// Prometheus's aggregators.test.
@Suite struct ValueAggregationTests {
    private let L = AggTest.labels

    @Test func sumByGroupDropsOtherLabels() throws {
        let api = AggTest.httpRequests.filter { $0.0["job"] == "api-server" }
        let out = AggTest.byLabels(try AggTest.run("sum by (group) (x)", api))
        #expect(out == [L(["group": "canary"]): 700, L(["group": "production"]): 300])
    }

    @Test func sumWithoutRemovesListedLabelsAndName() throws {
        let api = AggTest.httpRequests.filter { $0.0["job"] == "api-server" }
        let out = AggTest.byLabels(try AggTest.run("sum without (instance) (x)", api))
        #expect(out == [L(["group": "canary", "job": "api-server"]): 700,
                        L(["group": "production", "job": "api-server"]): 300])
    }

    @Test func emptyByAndNoGroupingGiveOneSeries() throws {
        let api = AggTest.httpRequests.filter { $0.0["job"] == "api-server" }
        #expect(AggTest.byLabels(try AggTest.run("sum by () (x)", api)) == [Labels.empty: 1000])
        #expect(AggTest.byLabels(try AggTest.run("sum(x)", api)) == [Labels.empty: 1000])
    }

    @Test func emptyWithoutOnlyDropsName() throws {
        let prod = AggTest.httpRequests.filter { $0.0["job"] == "api-server" && $0.0["group"] == "production" }
        let out = AggTest.byLabels(try AggTest.run("sum without () (x)", prod))
        #expect(out == [L(["group": "production", "job": "api-server", "instance": "0"]): 100,
                        L(["group": "production", "job": "api-server", "instance": "1"]): 200])
    }

    @Test func nonexistentByLabelIsNotInOutput() throws {
        let out = AggTest.byLabels(try AggTest.run("sum by (job, nonexistent) (x)", AggTest.httpRequests))
        #expect(out == [L(["job": "api-server"]): 1000, L(["job": "app-server"]): 2600])
    }

    @Test func groupingKeyKeepsLabelBoundaries() throws {
        let inputs = [(L(["a": "aa", "b": "bb"]), 100.0), (L(["a": "a", "b": "abb"]), 200.0)]
        let out = AggTest.byLabels(try AggTest.run("sum by (a, b) (x)", inputs))
        #expect(out.count == 2)
        #expect(out[L(["a": "aa", "b": "bb"])] == 100)
    }

    @Test func countAvgMinMaxGroup() throws {
        let all = AggTest.httpRequests
        #expect(AggTest.byLabels(try AggTest.run("count by (job) (x)", all))[L(["job": "api-server"])] == 4)
        #expect(AggTest.byLabels(try AggTest.run("avg by (job) (x)", all))[L(["job": "app-server"])] == 650)
        #expect(AggTest.byLabels(try AggTest.run("min by (job) (x)", all))[L(["job": "app-server"])] == 500)
        #expect(AggTest.byLabels(try AggTest.run("max by (job) (x)", all))[L(["job": "api-server"])] == 400)
        #expect(AggTest.byLabels(try AggTest.run("group by (job) (x)", all))[L(["job": "api-server"])] == 1)
    }

    @Test func minMaxIgnoreNaNUnlessAllNaN() throws {
        let inputs = [(L(["i": "0"]), 1.0), (L(["i": "1"]), .nan), (L(["i": "2"]), 4)]
        #expect(try AggTest.run("max(x)", inputs).first?.f == 4)
        #expect(try AggTest.run("min(x)", inputs).first?.f == 1)
        let leadingNaN = [(L(["i": "1"]), Double.nan), (L(["i": "0"]), 3.0)]
        #expect(try AggTest.run("min(x)", leadingNaN).first?.f == 3)
        let onlyNaN = [(L(["i": "1"]), Double.nan)]
        #expect(try AggTest.run("max(x)", onlyNaN).first?.f.isNaN == true)
    }

    @Test func stddevAndStdvar() throws {
        let all = AggTest.httpRequests
        #expect(AggTest.close(try AggTest.run("stddev(x)", all)[0].f, 229.12878474779))
        #expect(AggTest.close(try AggTest.run("stdvar(x)", all)[0].f, 52500))
        let byInstance = AggTest.byLabels(try AggTest.run("stdvar by (instance) (x)", all))
        #expect(byInstance == [L(["instance": "0"]): 50000, L(["instance": "1"]): 50000])
        let same = (0..<3).map { (L(["i": "\($0)"]), 13.3) }
        #expect(try AggTest.run("stddev(x)", same)[0].f == 0)
        let withInf = [(L(["i": "a"]), 1.0), (L(["i": "b"]), 2), (L(["i": "c"]), .infinity)]
        #expect(try AggTest.run("stdvar(x)", withInf)[0].f.isNaN)
        let single = [(L(["i": "c"]), Double.infinity)]
        #expect(try AggTest.run("stddev(x)", single)[0].f.isNaN)
    }

    @Test func sumIsKahanCompensated() throws {
        let inputs = [(L(["p": "a"]), 2.0), (L(["p": "b"]), 8), (L(["p": "c"]), 1e100), (L(["p": "d"]), -1e100)]
        #expect(try AggTest.run("sum(x)", inputs)[0].f == 10)
        #expect(try AggTest.run("avg(x)", inputs)[0].f == 2.5)
    }

    @Test func sumAndAvgOfInfinities() throws {
        let infs = [(L(["p": "a"]), Double.infinity), (L(["p": "b"]), -.infinity)]
        #expect(try AggTest.run("sum(x)", infs)[0].f.isNaN)
        #expect(try AggTest.run("avg(x)", infs)[0].f.isNaN)
        let posInf = [(L(["p": "a"]), 0.0), (L(["p": "b"]), .infinity), (L(["p": "c"]), .infinity), (L(["p": "d"]), 0)]
        #expect(try AggTest.run("avg(x)", posInf)[0].f == .infinity)
        #expect(try AggTest.run("sum(x)", posInf)[0].f == .infinity)
    }

    @Test func avgFallsBackToIncrementalMeanOnOverflow() throws {
        let big = 9.988465674311579e+307
        let four = (0..<4).map { (L(["p": "\($0)"]), big) }
        #expect(try AggTest.run("avg(x)", four)[0].f == big)
        let negative = (0..<4).map { (L(["p": "\($0)"]), -big) }
        #expect(try AggTest.run("avg(x)", negative)[0].f == -big)
        let zero = [(L(["p": "a"]), -big), (L(["p": "b"]), -big), (L(["p": "c"]), big), (L(["p": "d"]), big)]
        #expect(try AggTest.run("avg(x)", zero)[0].f == 0)
    }

    @Test func avgOfEqualValuesIsExact() throws {
        for n in 1...12 {
            let same = (0..<n).map { (L(["idx": "\($0)"]), 52.0) }
            #expect(try AggTest.run("avg(x)", same)[0].f == 52)
        }
    }

    @Test func dropNameIsTheOrOfTheGroup() throws {
        let inputs = [(L(["__name__": "a", "j": "1"]), 1.0), (L(["__name__": "b", "j": "1"]), 2)]
        var ann = Annotations()
        let out = try AggTest.run("sum by (j) (x)", inputs, dropName: [false, true], annotations: &ann)
        #expect(out.count == 1)
        #expect(out[0].dropName)
        let none = try AggTest.run("sum by (j) (x)", inputs, dropName: [false, false], annotations: &ann)
        #expect(!none[0].dropName)
    }

    @Test func byNameKeepsTheName() throws {
        let inputs = [(L(["__name__": "a", "j": "1"]), 1.0), (L(["__name__": "a", "j": "2"]), 2)]
        let out = try AggTest.run("sum by (__name__) (x)", inputs)
        #expect(out.map(\.metric) == [L(["__name__": "a"])])
        #expect(out[0].f == 3)
    }

    @Test func groupsOnlyAppearWhenTheyHaveSamplesAndStateResetsPerStep() throws {
        let expr = try AggTest.aggregate("sum by (g) (x)")
        let series = [L(["g": "a"]), L(["g": "b"]), L(["g": "a"])]
        var agg = try Aggregation(expr: expr, series: series, dropName: [false, false, false])
        var ann = Annotations()
        let first = try agg.step(ts: 0, samples: [.init(series: 0, f: 1), .init(series: 2, f: 2)],
                                 param: nil, label: nil, annotations: &ann)
        #expect(AggTest.byLabels(first) == [L(["g": "a"]): 3])
        #expect(first.allSatisfy { $0.t == 0 })
        let second = try agg.step(ts: 10, samples: [.init(series: 1, f: 5), .init(series: 2, f: 7)],
                                  param: nil, label: nil, annotations: &ann)
        #expect(AggTest.byLabels(second) == [L(["g": "b"]): 5, L(["g": "a"]): 7])
        // Output follows group order (first appearance among the input series), not sample order.
        #expect(second.map(\.metric) == [L(["g": "a"]), L(["g": "b"])])
        #expect(try agg.step(ts: 20, samples: [], param: nil, label: nil, annotations: &ann).isEmpty)
    }

    @Test func outputIsInGroupOrderWhenFewOrManyGroupsAreTouched() throws {
        let expr = try AggTest.aggregate("max by (g) (x)")
        let series = (0..<40).map { L(["g": "\($0 % 20)", "i": "\($0)"]) }
        var agg = try Aggregation(expr: expr, series: series, dropName: Array(repeating: false, count: 40))
        var ann = Annotations()
        // Few groups, seen out of order: sorted.
        let few = try agg.step(ts: 0, samples: [.init(series: 25, f: 1), .init(series: 3, f: 2)],
                               param: nil, label: nil, annotations: &ann)
        #expect(few.map { $0.metric["g"] } == ["3", "5"])
        // Every group, seen in reverse: scanned back into order.
        let all = try agg.step(ts: 1, samples: (0..<40).reversed().map { .init(series: $0, f: Double($0)) },
                               param: nil, label: nil, annotations: &ann)
        #expect(all.map { $0.metric["g"] } == (0..<20).map { "\($0)" })
        #expect(all.map(\.f) == (20..<40).map(Double.init))
    }
}
