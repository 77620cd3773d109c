import StrataModel
import StrataTestSupport
import Testing
@testable import StrataTSDB

/// `AppendOutcome.appendedHistograms`: the histograms among the appended samples, counted apart
/// so the distributor's `X-Prometheus-Remote-Write-Histograms-Written` is exact on partial refusal.
@Suite("Head: appended histograms are counted apart")
struct HeadAppendedHistogramsTests {
    let series = L(("__name__", "rpc_duration_seconds"), ("job", "api"))

    @Test("floats and histograms together: appended counts both, appendedHistograms the histograms")
    func mixed() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let floats = (1...5).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0)) }
        let out = try head.append(histogramBatch(series, samples: floats, ints(6...9)), limits: .unlimited)
        #expect(out.appended == 9 && out.appendedHistograms == 4)
        let onlyFloats = try head.append(histogramBatch(series, samples: [Sample(timestamp: 10 * 15_000, value: 1)], []),
                                         limits: .unlimited)
        #expect(onlyFloats.appended == 1 && onlyFloats.appendedHistograms == 0)
    }

    @Test("refused histograms are not counted: out-of-order ones beside accepted floats")
    func partialRefusal() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(histogramBatch(series, ints(1...3)), limits: .unlimited)
        // A new float after the newest sample, then two histograms: one out of order, one accepted.
        let late = HistogramPoint(timestamp: 2 * 15_000 + 1, value: .integer(testHistogram(2)))
        let fresh = HistogramPoint(timestamp: 5 * 15_000, value: .integer(testHistogram(5)))
        let out = try head.append(histogramBatch(series, samples: [Sample(timestamp: 4 * 15_000, value: 4)], [late, fresh]),
                                  limits: .unlimited)
        #expect(out.rejectedCount == 1, "\(out.rejected)")
        #expect(out.appended == 2 && out.appendedHistograms == 1)
    }
}
