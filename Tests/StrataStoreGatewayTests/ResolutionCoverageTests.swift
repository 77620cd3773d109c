import StrataBucketIndex
@testable import StrataStoreGateway
import Testing

@Suite("Which blocks answer a downsampled read")
struct ResolutionCoverageTests {
    static func block(_ id: String, _ lo: Int64, _ hi: Int64, _ res: Int64) -> BucketIndex.Block {
        BucketIndex.Block(id: id, minTime: lo, maxTime: hi, uploadedAt: 0, resolution: res)
    }

    @Test("the coarsest allowed resolution answers where it has blocks; finer data fills the rest")
    func coarsestFirstWithFallback() {
        let blocks = [
            Self.block("raw-a", 0, 100, 0), Self.block("raw-b", 100, 200, 0), Self.block("raw-c", 200, 300, 0),
            Self.block("5m", 0, 200, 300_000), Self.block("1h", 0, 100, 3_600_000),
        ]
        let plan = ResolutionCoverage.plan(blocks, minTime: 0, maxTime: 299, maxResolution: 3_600_000)
        #expect(plan == [
            .init(block: "1h", ranges: [0...99]),
            .init(block: "5m", ranges: [100...199]),
            .init(block: "raw-c", ranges: [200...299]),
        ])
        // 5m at most: the 1h block is not used.
        #expect(ResolutionCoverage.plan(blocks, minTime: 50, maxTime: 250, maxResolution: 300_000) == [
            .init(block: "5m", ranges: [50...199]),
            .init(block: "raw-c", ranges: [200...250]),
        ])
        // Raw only.
        #expect(ResolutionCoverage.plan(blocks, minTime: 0, maxTime: 299, maxResolution: 0).map(\.block) == ["raw-a", "raw-b", "raw-c"])
    }

    @Test("a finer block partly covered answers only the uncovered parts; replicas of one level all answer")
    func partialCoverage() {
        let blocks = [
            Self.block("raw-1", 0, 300, 0), Self.block("raw-2", 0, 300, 0), Self.block("5m", 100, 200, 300_000),
        ]
        let plan = ResolutionCoverage.plan(blocks, minTime: 0, maxTime: 299, maxResolution: 300_000)
        #expect(plan == [
            .init(block: "5m", ranges: [100...199]),
            .init(block: "raw-1", ranges: [0...99, 200...299]),
            .init(block: "raw-2", ranges: [0...99, 200...299]),
        ])
        #expect(ResolutionCoverage.union([5...9, 0...3, 4...4, 20...30]) == [0...9, 20...30])
        #expect(ResolutionCoverage.subtract(0...10, [2...3, 5...20]) == [0...1, 4...4])
    }
}
