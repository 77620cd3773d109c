import Foundation
import Testing
@testable import StrataPromQLTestSupport

/// A small fixed-seed run of the query-API fuzzer (`strata-promql-fuzz` runs the long ones):
/// every case ends in a result or an engine error, none overruns its deadline by more than a
/// generous slack, and none fails with an internal error.
@Suite struct QueryFuzzTests {
    static let executor = ThreadExecutor(stackSize: 8 << 20)

    @Test func twoThousandFixedSeedCasesThroughTheEngine() async throws {
        var options = QueryFuzzer.Options(cases: 2_000, seed: 13, corpus: Corpus.directory)
        // Generous: an overrun here means a hang, not a slow machine.
        options.overrunSlack = .seconds(30)
        let fuzzer = try QueryFuzzer(options: options)
        // On a thread of its own: 2,000 CPU-bound cases must not hold the cooperative pool that
        // the suite's timing-sensitive tests share.
        let summary = await withTaskExecutorPreference(Self.executor) { await fuzzer.run() }
        print(summary)
        #expect(summary.cases == 2_000)
        #expect(summary.overruns.isEmpty, "\(summary.overruns)")
        #expect(summary.internalErrors.isEmpty, "\(summary.internalErrors)")
        #expect(summary.results > 100, "the generator should produce plenty of valid queries: \(summary)")
    }
}
