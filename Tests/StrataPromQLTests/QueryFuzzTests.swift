import Foundation
import Testing
@testable import StrataPromQLTestSupport

/// A small fixed-seed run of the query-API fuzzer (`strata-promql-fuzz` runs the long ones):
/// every case ends in a result or an engine error, none overruns its deadline by more than a
/// generous slack, and none fails with an internal error.
@Suite struct QueryFuzzTests {
    @Test func twoThousandFixedSeedCasesThroughTheEngine() async throws {
        var options = QueryFuzzer.Options(cases: 2_000, seed: 13, corpus: Corpus.directory)
        options.overrunSlack = .seconds(2)
        let fuzzer = try QueryFuzzer(options: options)
        let summary = await fuzzer.run()
        print(summary)
        #expect(summary.cases == 2_000)
        #expect(summary.overruns.isEmpty, "\(summary.overruns)")
        #expect(summary.internalErrors.isEmpty, "\(summary.internalErrors)")
        #expect(summary.results > 100, "the generator should produce plenty of valid queries: \(summary)")
    }
}
