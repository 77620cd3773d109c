import Testing
import StrataChunks
import StrataModel
@testable import StrataTSDB

@Suite("Head concurrency")
struct HeadConcurrencyTests {
    @Test("concurrent appends, queries and a checkpoint stay consistent")
    func concurrentAppends() async throws {
        let dir = HeadTempDir()
        let options = HeadOptions(walSegmentSize: WAL.pageSize * 4)
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        let writers = 4, rounds = 150, seriesPerWriter = 30
        let shared = L(("__name__", "shared"))

        let totals = try await withThrowingTaskGroup(of: (appended: Int, rejected: Int).self) { group in
            for w in 0..<writers {
                group.addTask {
                    var appended = 0, rejected = 0
                    for r in 0..<rounds {
                        var b = SeriesBatch()
                        for k in 0..<seriesPerWriter {
                            b.append(labels: L(("__name__", "work"), ("writer", "\(w)"), ("k", "\(k)")),
                                     samples: [Sample(timestamp: Int64(r) * 1000, value: Double(r))])
                        }
                        // Every writer pushes the shared series too: whichever timestamp arrives
                        // late is refused as out of order or duplicate, never stored twice.
                        b.append(labels: shared, samples: [Sample(timestamp: Int64(r) * 1000 + Int64(w), value: Double(w))])
                        let out = try head.append(b, limits: .unlimited)
                        appended += out.appended
                        rejected += out.rejectedCount + out.duplicatesIgnored
                    }
                    return (appended, rejected)
                }
            }
            group.addTask {
                // A reader and a checkpointer racing the writers.
                for i in 0..<50 {
                    let res = head.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "__name__", "work")])
                    for s in res {
                        let ts = samples(of: s).map(\.timestamp)
                        #expect(ts == ts.sorted() && Set(ts).count == ts.count)
                    }
                    if i == 25 { try head.checkpoint() }
                }
                return (0, 0)
            }
            var sum = (appended: 0, rejected: 0)
            for try await r in group { sum.appended += r.appended; sum.rejected += r.rejected }
            return sum
        }

        #expect(totals.appended + totals.rejected == writers * rounds * (seriesPerWriter + 1))
        let stats = head.stats
        #expect(stats.samplesAppended == totals.appended)
        #expect(stats.numSeries == writers * seriesPerWriter + 1)
        let work = head.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "__name__", "work")])
        #expect(work.count == writers * seriesPerWriter)
        #expect(work.allSatisfy { samples(of: $0).count == rounds })
        let sharedSamples = head.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "__name__", "shared")])
            .first.map(samples(of:)) ?? []
        let ts = sharedSamples.map(\.timestamp)
        #expect(ts == ts.sorted() && Set(ts).count == ts.count)
        #expect(work.count * rounds + sharedSamples.count == totals.appended)

        let before = try dump(head)
        try head.close()
        let reopened = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try dump(reopened) == before)
    }
}
