// PromQL engine benchmarks (package-benchmark): dashboard query shapes over ~20k series × 24 h
// (60 s scrape interval, XOR chunks of 120 samples), evaluated by `StrataPromQL.Engine` over an
// in-memory `Queryable`. The fleet is built once per benchmark process, before measurement.
//
// Run from Benchmarks/:
//   swift package --allow-writing-to-package-directory benchmark --target PromQLBenchmarks
// (add `--filter 'PromQL.range.sum'` etc. to run a subset).

import Benchmark
import StrataModel
import StrataPromQL

/// The fleet and its `Queryable`, built lazily on first use (so `--filter` runs build it once,
/// and only in processes that run a PromQL benchmark).
enum PromQLBenchState {
    static let storage = FleetQueryable(PromQLFixture.build())
    static let engine = Engine()
}

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .peakMemoryResident]
    for range in [true, false] {
        for q in PromQLQueries.all {
            let name = "PromQL.\(range ? "range" : "instant") \(q.name): \(q.expr)"
            Benchmark(
                name,
                configuration: .init(
                    metrics: metrics,
                    timeUnits: .milliseconds,
                    warmupIterations: 1,
                    maxDuration: .seconds(3),
                    maxIterations: range ? 10 : 50,
                    // Builds the fleet outside the measured region.
                    setup: { _ = PromQLBenchState.storage }
                )
            ) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try await PromQLQueries.run(q, range: range, engine: PromQLBenchState.engine,
                                                          storage: PromQLBenchState.storage))
                }
            }
        }
    }
}
