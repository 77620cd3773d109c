import Foundation
import StrataBlocks
import StrataModel
import Synchronization
import Testing
@testable import StrataTSDB

@Suite("Head block cuts under concurrent load")
struct HeadCutConcurrencyTests {
    /// Writers that finished, shared with the cutter and the reader.
    final class DoneCounter: Sendable {
        let count = Atomic<Int>(0)
    }

    @Test("pushes and queries keep running while blocks are cut; every accepted sample ends in exactly one place")
    func appendsWhileCutting() async throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        // A short block range, so the run crosses many ranges quickly.
        let range: Int64 = 30 * 60_000
        let step: Int64 = 10_000
        let rounds = 1_100
        let writers = 4, seriesPerWriter = 25
        let options = HeadOptions(chunkRange: range, walSegmentSize: WAL.pageSize * 16)
        let head = try Head(directory: dir.path + "/head", options: options, logger: headTestLogger)
        let t0 = CutTestData.start - 1_234
        let done = DoneCounter()

        let accepted = try await withThrowingTaskGroup(of: SeriesSamples.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var mine: SeriesSamples = [:]
                    let labels = (0..<seriesPerWriter).map { k in L(("__name__", "load"), ("writer", "\(w)"), ("k", "\(k)")) }
                    for r in 0..<rounds {
                        // Writers run at different speeds; a slow one may fall behind the
                        // appendable window or minValidTime and see its samples refused.
                        let t = t0 + Int64(r) * step + Int64(w)
                        var b = SeriesBatch()
                        for (k, l) in labels.enumerated() {
                            b.append(labels: l, samples: [Sample(timestamp: t, value: Double(r * 100 + k))])
                        }
                        let out = try head.append(b, limits: .unlimited)
                        if out.appended == seriesPerWriter {
                            for (k, l) in labels.enumerated() {
                                mine[l, default: []].append(Sample(timestamp: t, value: Double(r * 100 + k)))
                            }
                        } else {
                            #expect(out.appended == 0 && out.rejected == [.sampleTimestampTooOld: seriesPerWriter], "\(out)")
                        }
                        if r % 8 == w { await Task.yield() }
                    }
                    done.count.add(1, ordering: .sequentiallyConsistent)
                    return mine
                }
            }
            group.addTask {
                // The periodic cutter, as the ingester runs it.
                var cuts = 0
                while done.count.load(ordering: .sequentiallyConsistent) < writers {
                    cuts += try head.cutBlocks(into: blocks, thanos: nil, force: false).count
                    await Task.yield()
                }
                #expect(cuts > 0)
                return [:]
            }
            group.addTask {
                // A reader: every answer is sorted by labels, each series' samples in order and
                // without duplicates, while cuts truncate the head underneath.
                let matcher = try m(.equal, "__name__", "load")
                while done.count.load(ordering: .sequentiallyConsistent) < writers {
                    let res = head.select(minTime: .min, maxTime: .max, matchers: [matcher])
                    #expect(res.map(\.labels) == res.map(\.labels).sorted())
                    for s in res {
                        let ts = samples(of: s).map(\.timestamp)
                        #expect(ts == ts.sorted() && Set(ts).count == ts.count)
                    }
                    _ = head.labelValues(name: "writer", minTime: .min, maxTime: .max, matchers: [matcher])
                    await Task.yield()
                }
                return [:]
            }
            var all: [SeriesSamples] = []
            for try await part in group { all.append(part) }
            return union(all)
        }

        let forced = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(!forced.isEmpty)
        #expect(head.stats.numSeries == 0)
        let ids = try blockDirectories(blocks)
        var metas: [BlockMeta] = []
        var parts: [SeriesSamples] = []
        for id in ids {
            let block = try Block(directory: blocks + "/" + id)
            metas.append(block.meta)
            let got = try blockSamples(blocks + "/" + id)
            #expect(got.values.allSatisfy { $0.allSatisfy { $0.timestamp >= block.meta.minTime && $0.timestamp < block.meta.maxTime } })
            parts.append(got)
        }
        metas.sort { $0.minTime < $1.minTime }
        for (a, b) in zip(metas, metas.dropFirst()) { #expect(a.maxTime <= b.minTime, "blocks overlap") }
        expectSameSamples(union(parts), accepted, "blocks after concurrent appends and cuts")
        print("concurrent cuts: \(sampleCount(accepted)) of \(writers * rounds * seriesPerWriter) samples accepted, \(ids.count) blocks")
    }
}
