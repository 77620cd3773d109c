import StrataModel
@testable import StrataPromQL
import StrataPromQLTestSupport
import Testing

/// The engine over native histogram data: selectors, functions, aggregations and operators
/// (the corpus covers the semantics in depth; these pin the plumbing).
@Suite struct NativeHistogramEngineTests {
    /// A counter histogram: at minute i, count and sum 10·i, one bucket.
    static func counter(minutes: Int) -> [FloatHistogramSample] {
        (0...minutes).map { i in
            let c = Double(10 * i)
            return FloatHistogramSample(timestamp: Int64(i) * 60_000, histogram: FloatHistogram(
                schema: 0, count: c, sum: c, positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [c]))
        }
    }

    static func store() -> MemoryQueryable {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("h", ["job": "a"]), histograms: counter(minutes: 10))
        s.add(EngineTest.labels("h", ["job": "b"]), histograms: counter(minutes: 10))
        s.add(EngineTest.labels("f", ["job": "a"]), EngineTest.samples(interval: 60_000, [1, 2, 3]))
        return s
    }

    @Test("an instant selector yields histogram samples, the range form histogram points")
    func selectors() async throws {
        let s = Self.store()
        let v = EngineTest.vector(try await EngineTest.instant("h", at: 300_000, s))
        #expect(v.count == 2 && v.allSatisfy { $0.h?.count == 50 })
        let m = EngineTest.matrix(try await EngineTest.instant("h[2m]", at: 300_000, s))
        #expect(m.map(\.histograms.count) == [2, 2] && m.allSatisfy(\.floats.isEmpty))
        let r = EngineTest.matrix(try await EngineTest.range("h{job=\"a\"}", from: 0, to: 120_000, step: 60_000, s))
        #expect(r.first?.histograms.map(\.h.count) == [0, 10, 20])
    }

    @Test("functions, aggregations and operators of histograms")
    func evaluation() async throws {
        let s = Self.store()
        func value(_ q: String) async throws -> [Double] {
            EngineTest.vector(try await EngineTest.instant(q, at: 600_000, s)).map { $0.h?.count ?? $0.f }.sorted()
        }
        #expect(try await value("histogram_count(h)") == [100, 100])
        #expect(try await value("histogram_sum(sum(h))") == [200])
        #expect(try await value("histogram_count(rate(h[5m]))").map { ($0 * 1e9).rounded() / 1e9 } == [1.0 / 6, 1.0 / 6].map { ($0 * 1e9).rounded() / 1e9 })
        #expect(try await value("count(h)") == [2])
        #expect(try await value("h * 2") == [200, 200])
        #expect(try await value("h / 4") == [25, 25])
        #expect(try await value("h - h") == [0, 0])
        let vector = EngineTest.vector(try await EngineTest.instant("h - h", at: 600_000, s))
        #expect(vector.allSatisfy { $0.h?.counterResetHint == .gauge })
        // Incompatible operands give nothing, with an info.
        let r = try await EngineTest.instant("h + on(job) f", at: 120_000, s)
        #expect(EngineTest.vector(r).isEmpty && !r.annotations.isEmpty)
        // Float functions skip histograms.
        #expect(try await value("abs(h)").isEmpty)
    }

    @Test("a series switching between floats and histograms is read both ways")
    func mixedSeries() async throws {
        let s = MemoryQueryable()
        let labels = EngineTest.labels("m")
        s.add(labels, EngineTest.samples(interval: 60_000, [1, 2]))
        s.add(labels, histograms: Self.counter(minutes: 4).filter { $0.timestamp >= 120_000 })
        let r = EngineTest.matrix(try await EngineTest.range("m", from: 0, to: 240_000, step: 60_000, s))
        #expect(r.first?.floats.map(\.f) == [1, 2] && r.first?.histograms.map(\.h.count) == [20, 30, 40])
        let mixed = try await EngineTest.instant("rate(m[5m])", at: 240_000, s)
        #expect(EngineTest.vector(mixed).isEmpty && !mixed.annotations.isEmpty)
    }
}
