import StrataModel
import Testing
@testable import StrataPromQL
import StrataPromQLTestKit

/// Binary operators: matching, cardinality errors, name handling, set operators.
@Suite struct BinaryTests {
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        let one = EngineTest.samples(interval: 60_000, [1, 2, 3])
        s.add(EngineTest.labels("req", ["job": "a", "code": "200"]), one.map { Sample(timestamp: $0.timestamp, value: $0.value * 10) })
        s.add(EngineTest.labels("req", ["job": "a", "code": "500"]), one)
        s.add(EngineTest.labels("req", ["job": "b", "code": "200"]), one.map { Sample(timestamp: $0.timestamp, value: $0.value * 100) })
        s.add(EngineTest.labels("limit", ["job": "a", "team": "x"]), EngineTest.samples(interval: 60_000, [5, 5, 5]))
        s.add(EngineTest.labels("limit", ["job": "b", "team": "y"]), EngineTest.samples(interval: 60_000, [50, 50, 50]))
        return s
    }

    @Test func scalarArithmeticAndComparison() async throws {
        let r = try await EngineTest.instant("2 ^ 3 + 7 % 4 - (1 > bool 0)", at: 0, storage())
        #expect(r.value == .scalar(t: 0, f: 10))
        let m = EngineTest.matrix(try await EngineTest.range("1 + 1", from: 0, to: 120_000, step: 60_000, storage()))
        #expect(m.count == 1 && m[0].metric.isEmpty && m[0].floats.map(\.f) == [2, 2, 2])
    }

    @Test func vectorScalarDropsNameButComparisonKeepsIt() async throws {
        let s = storage()
        let times = EngineTest.vector(try await EngineTest.instant("req{job=\"a\",code=\"500\"} * 2", at: 60_000, s))
        #expect(times.map(\.f) == [4])
        #expect(times.first?.metric.metricName == nil)
        let filtered = EngineTest.vector(try await EngineTest.instant("req > 15", at: 60_000, s))
        #expect(filtered.count == 2)
        #expect(filtered.allSatisfy { $0.metric.metricName == "req" })
        let flipped = EngineTest.vector(try await EngineTest.instant("15 < req", at: 60_000, s))
        #expect(Set(flipped.map(\.f)) == [20, 200])
        let bools = EngineTest.vector(try await EngineTest.instant("req > bool 15", at: 60_000, s))
        #expect(bools.count == 3 && bools.allSatisfy { $0.metric.metricName == nil })
        #expect(bools.map(\.f).sorted() == [0, 1, 1])
    }

    @Test func oneToOneWithOnAndIgnoring() async throws {
        let s = storage()
        let on = EngineTest.vector(try await EngineTest.instant("req{code=\"200\"} / on(job) limit", at: 0, s))
        #expect(Set(on.map { $0.metric }) == [EngineTest.labels(nil, ["job": "a"]), EngineTest.labels(nil, ["job": "b"])])
        #expect(Set(on.map(\.f)) == [2])
        let ignoring = EngineTest.vector(try await EngineTest.instant("req{code=\"200\"} > ignoring(code, team) limit", at: 0, s))
        #expect(ignoring.count == 2)
        #expect(ignoring.allSatisfy { $0.metric.metricName == "req" && $0.metric["code"] == nil })
    }

    @Test func groupLeftCopiesLabelsFromOneSide() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("req / on(job) group_left(team) limit", at: 0, storage()))
        #expect(v.count == 3)
        let a500 = v.first { $0.metric["job"] == "a" && $0.metric["code"] == "500" }
        #expect(a500?.metric["team"] == "x")
        #expect(a500?.f == 0.2)
        #expect(a500?.metric.metricName == nil)
    }

    @Test func manyToManyIsAnErrorWithPrometheusText() async throws {
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("limit / on(job) req", at: 0, storage())
        }
        #expect(err == .execution(
            "found duplicate series for the match group {job=\"a\"} on the right hand-side of the operation: [{__name__=\"req\", code=\"200\", job=\"a\"}, {__name__=\"req\", code=\"500\", job=\"a\"}];many-to-many matching not allowed: matching labels must be unique on one side"))
    }

    @Test func multipleMatchesNeedGroupModifier() async throws {
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("req / on(job) limit", at: 0, storage())
        }
        #expect(err == .execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"))
    }

    @Test func setOperators() async throws {
        let s = storage()
        let and = EngineTest.vector(try await EngineTest.instant("req and on(job) limit{job=\"a\"}", at: 0, s))
        #expect(Set(and.map { $0.metric["code"] }) == ["200", "500"])
        let or = EngineTest.vector(try await EngineTest.instant("req{job=\"a\"} or limit", at: 0, s))
        #expect(or.count == 4)
        let unless = EngineTest.vector(try await EngineTest.instant("req unless on(job) limit{job=\"a\"}", at: 0, s))
        #expect(unless.map { $0.metric["job"] } == ["b"])
    }

    @Test func delayedNameRemovalDetectsCollisions() async throws {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("m1", ["job": "api"]), [Sample(timestamp: 0, value: 1)])
        s.add(EngineTest.labels("m2", ["job": "api"]), [Sample(timestamp: 0, value: 2)])
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("-{job=\"api\"}", at: 0, s)
        }
        #expect(err == .execution("vector cannot contain metrics with the same labelset"))
        // Kept names never collide.
        let kept = EngineTest.vector(try await EngineTest.instant("{job=\"api\"} > 0", at: 0, s))
        #expect(kept.count == 2)
    }

    @Test func nonOverlappingSeriesMergeAfterNameRemoval() async throws {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("m1", ["job": "api"]), [Sample(timestamp: 0, value: 1)])
        s.add(EngineTest.labels("m2", ["job": "api"]), [Sample(timestamp: 600_000, value: 2)])
        let m = EngineTest.matrix(try await EngineTest.range("-{job=\"api\"}", from: 0, to: 600_000, step: 300_000, s))
        #expect(m.count == 1)
        #expect(m.first?.floats == [FPoint(t: 0, f: -1), FPoint(t: 600_000, f: -2)])
    }
}
