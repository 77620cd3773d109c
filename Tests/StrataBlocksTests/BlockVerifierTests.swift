import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing

/// `BlockVerifier` reads every part of a block: a sound block passes with its counts, and each
/// kind of damage is reported as a problem naming the file.
@Suite("Block verifier")
struct BlockVerifierTests {
    static let minute: Int64 = 60_000

    /// Writes a block of `series` series with 90 one-minute samples each (chunks of 30), in a fresh directory.
    static func writeBlock(series: Int = 3) throws -> (parent: String, block: String, meta: BlockMeta) {
        let parent = NSTemporaryDirectory() + "strata-verifier-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let start: Int64 = 1_700_000_000_000
        let all = (0..<series).map { i -> BlockSeries in
            var chunks: [EncodedChunk] = []
            for c in 0..<3 {
                var chunk = XORChunk()
                for s in 0..<30 {
                    let t = start + Int64(c * 30 + s) * minute
                    chunk.append(timestamp: t, value: Double(i * 100 + s))
                }
                chunks.append(chunk.encoded())
            }
            let name = i % 2 == 0 ? "verify_even" : "verify_odd"
            return BlockSeries(labels: Labels(["__name__": name, "i": String(i)]), chunks: chunks)
        }.sorted { $0.labels < $1.labels }
        let meta = try BlockWriter.write(parentDirectory: parent, series: all)
        return (parent, parent + "/" + meta.ulid, meta)
    }

    @Test("a sound block passes, with its series, chunks, samples and series per metric")
    func soundBlock() throws {
        let (parent, block, meta) = try Self.writeBlock(series: 3)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let report = BlockVerifier.verify(directory: block)
        #expect(report.ok, "\(report.problems)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.series == 3 && report.chunks == 9 && report.samples == 270)
        #expect(UInt64(report.samples) == meta.stats.numSamples)
        #expect(report.seriesByMetricName == ["verify_even": 2, "verify_odd": 1])
    }

    @Test("a flipped byte in a chunk is a CRC problem naming the segment")
    func damagedChunk() throws {
        let (parent, block, _) = try Self.writeBlock()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let segment = block + "/chunks/000001"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[BlockFormat.chunksHeaderSize + 5] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let report = BlockVerifier.verify(directory: block)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("chunks/000001") && $0.contains("CRC32C") }, "\(report.problems)")
    }

    @Test("a truncated chunk segment and a truncated index are problems; the block is never opened half-way")
    func truncatedFiles() throws {
        let (parent, block, _) = try Self.writeBlock()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let segment = block + "/chunks/000001"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        try handle.truncate(atOffset: 60)
        try handle.close()
        let chunksReport = BlockVerifier.verify(directory: block)
        #expect(!chunksReport.ok && chunksReport.problems.allSatisfy { $0.contains("chunks/000001") }, "\(chunksReport.problems)")

        let index = block + "/index"
        let size = try FileManager.default.attributesOfItem(atPath: index)[.size] as? Int ?? 0
        let indexHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: index))
        try indexHandle.truncate(atOffset: UInt64(size / 2))
        try indexHandle.close()
        let indexReport = BlockVerifier.verify(directory: block)
        #expect(indexReport.problems.count == 1 && indexReport.problems[0].contains("index"), "\(indexReport.problems)")
    }

    @Test("stats in meta.json that do not match the data are warnings; a range that excludes the chunks is a problem")
    func metaMismatch() throws {
        let (parent, block, meta) = try Self.writeBlock()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        var wrong = meta
        wrong.stats.numSamples += 1
        try Data(wrong.encoded()).write(to: URL(fileURLWithPath: block + "/meta.json"))
        let report = BlockVerifier.verify(directory: block)
        #expect(report.ok && report.warnings.contains { $0.contains("samples") }, "\(report)")

        var shrunk = meta
        shrunk.maxTime = meta.minTime + 30 * Self.minute
        try Data(shrunk.encoded()).write(to: URL(fileURLWithPath: block + "/meta.json"))
        let outside = BlockVerifier.verify(directory: block)
        #expect(!outside.ok && outside.problems.contains { $0.contains("outside the block's range") }, "\(outside.problems)")
    }
}
