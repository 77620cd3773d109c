import StrataBucketIndex
@testable import StrataCompactor
import Testing

@Suite("Compaction planning")
struct CompactionPlannerTests {
    static let h: Int64 = 3_600_000

    static func block(_ id: String, _ lo: Int64, _ hi: Int64, res: Int64 = 0, uploaded: Int64 = 0, shard: String = "") -> BucketIndex.Block {
        BucketIndex.Block(id: id, minTime: lo * h, maxTime: hi * h, uploadedAt: uploaded, resolution: res, compactorShardID: shard)
    }

    static func planner(shards: Int = 0, wait: Int64 = 0, downsampling: Bool = false) -> CompactionPlanner {
        CompactionPlanner(ranges: [2 * h, 12 * h, 24 * h], shards: shards, firstLevelWaitPeriod: wait, downsampling: downsampling,
                          fiveMinuteWindow: 48 * h, oneHourWindow: 240 * h, fiveMinuteMinRange: 40 * h, oneHourMinRange: 240 * h)
    }

    @Test("replicas of a 2h window are merged first, after the wait period")
    func firstLevel() {
        let blocks = [Self.block("a", 0, 2, uploaded: 1000), Self.block("b", 0, 2, uploaded: 1000), Self.block("c", 2, 4, uploaded: 1000)]
        #expect(Self.planner(wait: 600).plan(blocks: blocks, now: 1500).isEmpty, "uploaded 500 s ago, wait 600 s")
        let jobs = Self.planner(wait: 600).plan(blocks: blocks, now: 1700)
        #expect(jobs.map(\.blocks.count) == [2])
        #expect(jobs.first?.kind == .merge(range: 2 * Self.h))
    }

    @Test("a larger window is merged only once it is over")
    func largerWindowsWaitForTheirEnd() {
        let six = (0..<6).map { Self.block("b\($0)", Int64($0) * 2, Int64($0) * 2 + 2) }
        // The 12h window [0, 12h) is full but nothing newer exists and "now" is inside the next day.
        #expect(Self.planner().plan(blocks: six, now: 13 * 3600).isEmpty)
        #expect(Self.planner().plan(blocks: six + [Self.block("n", 12, 14)], now: 13 * 3600).map(\.blocks.count) == [6])
        // Long after its end it is merged even with nothing newer.
        #expect(Self.planner().plan(blocks: six, now: 25 * 3600).map(\.blocks.count) == [6])
    }

    @Test("split-and-merge: unsharded blocks are split; shards are merged among themselves")
    func shards() {
        let raw = [Self.block("a", 0, 2), Self.block("b", 0, 2)]
        let split = Self.planner(shards: 2).plan(blocks: raw, now: 0)
        #expect(split.map(\.outputShards) == [2])
        let sharded = [Self.block("a1", 0, 12, shard: "1_of_2"), Self.block("a2", 0, 12, shard: "2_of_2"),
                       Self.block("b1", 12, 24, shard: "1_of_2"), Self.block("b2", 12, 24, shard: "2_of_2"), Self.block("x", 24, 26)]
        let merge = Self.planner(shards: 2).plan(blocks: sharded, now: 0)
        #expect(merge.map(\.keepShardID) == ["1_of_2", "2_of_2"])
        #expect(merge.allSatisfy { $0.outputShards == 1 && $0.blocks.count == 2 })
    }

    @Test("downsampling waits for merges, needs the minimum span, and is done once per window")
    func downsampling() {
        let days = (0..<4).map { Self.block("d\($0)", Int64($0) * 24, Int64($0) * 24 + 24) }
        let jobs = Self.planner(downsampling: true).plan(blocks: days, now: 0)
        #expect(jobs.map(\.kind) == [.downsample(resolution: 300_000), .downsample(resolution: 300_000)])
        #expect(jobs.map(\.windowStart) == [0, 48 * Self.h])
        // A window with only 24h of raw data (below 40h) is not downsampled.
        #expect(Self.planner(downsampling: true).plan(blocks: [days[0], Self.block("late", 48, 72)], now: 0).isEmpty)
        // A window that has its 5m block already is not done again.
        let done = days + [Self.block("5m", 0, 48, res: 300_000)]
        #expect(Self.planner(downsampling: true).plan(blocks: done, now: 0).map(\.windowStart) == [48 * Self.h])
        // Pending merges go first.
        let pending = days + [Self.block("r", 0, 2), Self.block("s", 0, 2)]
        #expect(Self.planner(downsampling: true).plan(blocks: pending, now: 0).allSatisfy { $0.replacesInputs })
    }
}
