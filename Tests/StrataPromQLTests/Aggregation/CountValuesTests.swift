import StrataModel
@testable import StrataPromQL
import Testing

/// `count_values`: value formatting, grouping with the value label, label name validation.
@Suite struct CountValuesTests {
    private let L = AggTest.labels

    private var versions: [(Labels, Double)] {
        let rows: [(String, String, String, Double)] = [
            ("api-server", "0", "production", 6), ("api-server", "1", "production", 6),
            ("api-server", "2", "production", 6), ("api-server", "0", "canary", 8),
            ("api-server", "1", "canary", 8), ("app-server", "0", "production", 6),
            ("app-server", "1", "production", 6), ("app-server", "0", "canary", 7),
            ("app-server", "1", "canary", 7),
        ]
        return rows.map { (L(["__name__": "version", "job": $0.0, "instance": $0.1, "group": $0.2]), $0.3) }
    }

    @Test func countsPerValue() throws {
        let out = AggTest.byLabels(try AggTest.run(#"count_values("version", x)"#, versions))
        #expect(out == [L(["version": "6"]): 5, L(["version": "7"]): 2, L(["version": "8"]): 2])
        let paren = AggTest.byLabels(try AggTest.run(#"count_values(((("version"))), x)"#, versions))
        #expect(paren == out)
    }

    @Test func withoutKeepsOtherLabels() throws {
        let out = AggTest.byLabels(try AggTest.run(#"count_values without (instance) ("version", x)"#, versions))
        #expect(out == [
            L(["job": "api-server", "group": "production", "version": "6"]): 3,
            L(["job": "api-server", "group": "canary", "version": "8"]): 2,
            L(["job": "app-server", "group": "production", "version": "6"]): 2,
            L(["job": "app-server", "group": "canary", "version": "7"]): 2,
        ])
    }

    @Test func valueLabelOverwritesAnInputLabel() throws {
        let expected = [L(["job": "6", "group": "production"]): 5.0, L(["job": "8", "group": "canary"]): 2,
                        L(["job": "7", "group": "canary"]): 2]
        #expect(AggTest.byLabels(try AggTest.run(#"count_values without (instance) ("job", x)"#, versions)) == expected)
        #expect(AggTest.byLabels(try AggTest.run(#"count_values by (job, group) ("job", x)"#, versions)) == expected)
    }

    @Test func valuesAreFormattedAsGoDoes() throws {
        let inputs: [(Labels, Double)] = [(L(["i": "a"]), 1e21), (L(["i": "b"]), 0.000015), (L(["i": "c"]), -0.0),
                                          (L(["i": "d"]), .nan), (L(["i": "e"]), -.infinity), (L(["i": "f"]), 2.5)]
        let out = AggTest.byLabels(try AggTest.run(#"count_values("v", x)"#, inputs))
        let values = Set(out.keys.compactMap { $0["v"] })
        #expect(values == ["1000000000000000000000", "0.000015", "-0", "NaN", "-Inf", "2.5"])
    }

    @Test func invalidLabelNameFails() throws {
        #expect(throws: QueryError.self) {
            _ = try AggTest.run(#"count_values("a\xc5z", x)"#, versions)
        }
        #expect(throws: QueryError.execution(#"invalid label name """#)) {
            _ = try AggTest.run(#"count_values("", x)"#, versions)
        }
    }

    @Test func withoutTheValueLabelCountsPerRemainingGroup() throws {
        let out = AggTest.byLabels(try AggTest.run(#"count_values without (v, instance) ("v", x)"#, versions))
        #expect(out == [L(["job": "api-server", "group": "production"]): 3, L(["job": "api-server", "group": "canary"]): 2,
                        L(["job": "app-server", "group": "production"]): 2, L(["job": "app-server", "group": "canary"]): 2])
    }
}
