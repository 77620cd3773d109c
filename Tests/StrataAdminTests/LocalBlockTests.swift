import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing
@testable import StrataAdmin

/// The checks `strata admin backfill` runs on a block directory before uploading it.
@Suite("backfill: local block checks")
struct LocalBlockTests {
    static func writeBlock(endingAt end: Int64) throws -> (parent: String, block: String) {
        let parent = NSTemporaryDirectory() + "strata-localblock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        var chunk = XORChunk()
        for i in 0..<60 { chunk.append(timestamp: end - Int64(59 - i) * 60_000, value: Double(i)) }
        let series = [BlockSeries(labels: Labels(["__name__": "local", "job": "x"]), chunks: [chunk.encoded()])]
        let meta = try BlockWriter.write(parentDirectory: parent, series: series)
        return (parent, parent + "/" + meta.ulid)
    }

    @Test("a sound block: files to upload (segments, then the index), a probe series with its samples")
    func sound() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (parent, dir) = try Self.writeBlock(endingAt: now - 3_600_000)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let block = try LocalBlock.load(dir, now: now)
        #expect(block.problems.isEmpty && block.warnings.isEmpty, "\(block.problems) \(block.warnings)")
        #expect(block.files.map(\.path) == ["chunks/000001", "index"])
        #expect(block.files.allSatisfy { $0.size > 0 })
        #expect(block.probe?.samples == 60 && block.probe?.labels == Labels(["__name__": "local", "job": "x"]))
        let span = (block.probe?.maxTime ?? 0) - (block.probe?.minTime ?? 0)
        #expect(span == 59 * 60_000)
    }

    @Test("a block whose first series holds histogram chunks has a probe counting its histograms")
    func histogramProbe() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let end = now - 3_600_000
        let parent = NSTemporaryDirectory() + "strata-localblock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        // Two chunks, one of each histogram encoding: 30 + 20 samples.
        var ints = HistogramChunk()
        for i in 0..<30 {
            let h = Histogram(count: UInt64(i + 1), sum: Double(i), positiveSpans: [HistogramSpan(offset: 0, length: 1)],
                              positiveBuckets: [Int64(i + 1)])
            _ = ints.append(timestamp: end - Int64(49 - i) * 60_000, histogram: h)
        }
        var floats = FloatHistogramChunk()
        for i in 30..<50 {
            let h = FloatHistogram(count: Double(i + 1), sum: Double(i), positiveSpans: [HistogramSpan(offset: 0, length: 1)],
                                   positiveBuckets: [Double(i + 1)])
            _ = floats.append(timestamp: end - Int64(49 - i) * 60_000, histogram: h)
        }
        #expect(ints.count == 30 && floats.count == 20)
        let series = [BlockSeries(labels: Labels(["__name__": "hist", "job": "x"]), chunks: [ints.encoded(), floats.encoded()])]
        let meta = try BlockWriter.write(parentDirectory: parent, series: series)
        let block = try LocalBlock.load(parent + "/" + meta.ulid, now: now)
        #expect(block.problems.isEmpty, "\(block.problems)")
        let probe = try #require(block.probe, "no probe for a histogram series")
        #expect(probe.samples == 50 && probe.labels == Labels(["__name__": "hist", "job": "x"]))
        #expect(probe.maxTime - probe.minTime == 49 * 60_000)
    }

    @Test("chunk headers: sample counts of XOR and histogram chunks; none for aggregates or truncated chunks")
    func headerCounts() {
        #expect(LocalBlock.sampleCount(.xor, [0x01, 0x02]) == 258)
        #expect(LocalBlock.sampleCount(.histogram, [0x00, 0x07, 0x40]) == 7)
        #expect(LocalBlock.sampleCount(.floatHistogram, [0x00, 0x03, 0x00, 0x11]) == 3)
        #expect(LocalBlock.sampleCount(.histogram, [0x00, 0x07]) == nil)
        #expect(LocalBlock.sampleCount(.xor, [0x00]) == nil)
        #expect(LocalBlock.sampleCount(.aggregate, [0x00, 0x07, 0x00]) == nil)
    }

    @Test("a block in the future, a stray file and a gap in the segments are problems")
    func layoutProblems() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (parent, dir) = try Self.writeBlock(endingAt: now + 3_600_000)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        try FileManager.default.moveItem(atPath: dir + "/chunks/000001", toPath: dir + "/chunks/000002")
        let block = try LocalBlock.load(dir, now: now)
        #expect(block.problems.contains { $0.contains("in the future") }, "\(block.problems)")
        #expect(block.problems.contains { $0.contains("notes.txt") }, "\(block.problems)")
        #expect(block.problems.contains { $0.contains("000002") }, "\(block.problems)")
        #expect(block.probe == nil)
    }

    @Test("no directory is a usage error; no meta.json an operation error")
    func notABlock() throws {
        #expect(throws: AdminError.self) { try LocalBlock.load("/nonexistent/strata/block", now: 0) }
        do {
            _ = try LocalBlock.load(NSTemporaryDirectory(), now: 0)
            Issue.record("a directory without meta.json was accepted")
        } catch {
            #expect(error.exitCode == AdminExit.failure && error.description.contains("meta.json"))
        }
    }
}
