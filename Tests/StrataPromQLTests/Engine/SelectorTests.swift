import StrataModel
import Testing
@testable import StrataPromQL
import StrataPromQLTestKit

/// Instant and range selectors: lookback, staleness, offset, `@`.
@Suite struct SelectorTests {
    /// `x{job="a"}` 0 10 20 … every 60s for 10 minutes, `x{job="b"}` 1 every 60s until 120s then
    /// a staleness marker.
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("x", ["job": "a"]), EngineTest.samples(interval: 60_000, (0..<11).map { Double($0 * 10) }))
        var b = EngineTest.samples(interval: 60_000, [1, 1, 1])
        b.append(Sample(timestamp: 180_000, value: StaleNaN.value))
        s.add(EngineTest.labels("x", ["job": "b"]), b)
        return s
    }

    @Test func instantSelectorTakesNewestSampleInLookback() async throws {
        let r = try await EngineTest.instant("x", at: 90_000, storage())
        let v = EngineTest.vector(r)
        #expect(v.count == 2)
        #expect(v.first { $0.metric["job"] == "a" }?.f == 10)
        #expect(v.allSatisfy { $0.t == 90_000 })
        #expect(v.first?.metric.metricName == "x")
    }

    @Test func stalenessMarkerEndsSeries() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("x", at: 200_000, storage()))
        #expect(v.map { $0.metric["job"] } == ["a"])
    }

    @Test func lookbackIsLeftOpen() async throws {
        // The last sample of job="a" is at 600s; 5m later it is exactly out of the window.
        let s = storage()
        #expect(EngineTest.vector(try await EngineTest.instant("x{job=\"a\"}", at: 899_999, s)).count == 1)
        #expect(EngineTest.vector(try await EngineTest.instant("x{job=\"a\"}", at: 900_000, s)).isEmpty)
    }

    @Test func rangeQueryIsSortedAndDropsEmptySeries() async throws {
        let m = EngineTest.matrix(try await EngineTest.range("x", from: 0, to: 240_000, step: 60_000, storage()))
        #expect(m.map { $0.metric["job"] } == ["a", "b"])
        #expect(m[0].floats == [0, 10, 20, 30, 40].enumerated().map { FPoint(t: Int64($0.offset) * 60_000, f: Double($0.element)) })
        #expect(m[1].floats.map(\.t) == [0, 60_000, 120_000])
        let late = EngineTest.matrix(try await EngineTest.range("x{job=\"b\"}", from: 200_000, to: 400_000, step: 60_000, storage()))
        #expect(late.isEmpty)
    }

    @Test func offsetShiftsBackAndForward() async throws {
        let s = storage()
        let back = EngineTest.vector(try await EngineTest.instant("x{job=\"a\"} offset 2m", at: 300_000, s))
        #expect(back.first?.f == 30)
        #expect(back.first?.t == 300_000)
        let forward = EngineTest.vector(try await EngineTest.instant("x{job=\"a\"} offset -2m", at: 300_000, s))
        #expect(forward.first?.f == 70)
    }

    @Test func atModifierPinsEveryStep() async throws {
        let s = storage()
        let m = EngineTest.matrix(try await EngineTest.range("x{job=\"a\"} @ 120", from: 0, to: 300_000, step: 100_000, s))
        #expect(m.first?.floats.map(\.f) == [20, 20, 20, 20])
        let startPinned = EngineTest.matrix(try await EngineTest.range("x{job=\"a\"} @ start()", from: 60_000, to: 300_000, step: 60_000, s))
        #expect(startPinned.first?.floats.map(\.f) == [10, 10, 10, 10, 10])
        let endPinned = EngineTest.matrix(try await EngineTest.range("x{job=\"a\"} @ end() offset 1m", from: 60_000, to: 300_000, step: 60_000, s))
        #expect(endPinned.first?.floats.map(\.f) == [40, 40, 40, 40, 40])
    }

    @Test func matrixSelectorWindowIsLeftOpen() async throws {
        let r = try await EngineTest.instant("x{job=\"a\"}[2m]", at: 240_000, storage())
        guard case .matrix(let m) = r.value else {
            Issue.record("expected a matrix, got \(r.value.resultType)")
            return
        }
        // (120s, 240s]: the sample at 120s is excluded.
        #expect(m.first?.floats.map(\.t) == [180_000, 240_000])
        #expect(m.first?.metric.metricName == "x")
    }

    @Test func matrixSelectorDropsStalenessMarkers() async throws {
        let r = try await EngineTest.instant("x{job=\"b\"}[5m]", at: 200_000, storage())
        #expect(EngineTest.matrix(r).first?.floats.map(\.f) == [1, 1, 1])
    }

    @Test func samplesLoadedIsReported() async throws {
        let r = try await EngineTest.range("x{job=\"a\"}", from: 0, to: 240_000, step: 60_000, storage())
        #expect(r.samplesLoaded == 5)
    }
}
