import Foundation
import StrataBlocks
import StrataModel
import Synchronization
import Testing

/// A byte source that records how many bytes were asked for, like a bucket billing ranged GETs.
final class CountingSource: BlockByteSource {
    let inner: MemoryByteSource
    let bytesRead = Mutex(0)
    var name: String { inner.name }
    var size: Int { inner.size }

    init(_ inner: MemoryByteSource) { self.inner = inner }

    func read(_ range: Range<Int>) throws(BlockError) -> [UInt8] {
        bytesRead.withLock { $0 += range.count }
        return try inner.read(range)
    }
}

@Suite("BlockReader over byte sources")
struct BlockReaderSourceTests {
    static func load(_ path: String) throws -> MemoryByteSource {
        MemoryByteSource(name: path, bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test("a reader over in-memory sources answers like the directory reader and reads only ranges it needs")
    func rangedReads() throws {
        let parent = try makeTempDir("sources")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = TestData.series(count: 400, samplesPerSeries: 360, seed: 21)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data))
        let dir = parent + "/" + meta.ulid
        let index = CountingSource(try Self.load(dir + "/index"))
        let segment = CountingSource(try Self.load(dir + "/chunks/000001"))
        let reader = try BlockReader(meta: meta, index: index, segments: [segment], tombstones: try Self.load(dir + "/tombstones"))
        let opened = index.bytesRead.withLock { $0 }
        #expect(opened < index.size / 2, "opening reads the TOC, symbols and postings table only")

        let one = data[17]
        let matchers = try one.labels.map { try LabelMatcher(.equal, $0.name, $0.value) }
        let mint = TestData.start + 200 * TestData.step
        let got = try reader.select(matchers: matchers, minTime: mint, maxTime: .max)
        #expect(got.map(\.labels) == [one.labels])
        expectSameSamples(TestData.samples(got.first?.chunks ?? [], minTime: mint), one.samples.filter { $0.timestamp >= mint }, "\(one.labels)")
        let indexQueried = index.bytesRead.withLock { $0 } - opened
        let chunkBytes = segment.bytesRead.withLock { $0 }
        #expect(indexQueried < 8 * 1024, "one series costs postings and one series entry, not the index (\(indexQueried) bytes)")
        #expect(chunkBytes < 4 * 1024, "only the chunks overlapping the range are read (\(chunkBytes) bytes)")
        #expect(chunkBytes * 50 < segment.size)

        let dirBlock = try Block(directory: dir)
        let all = try LabelMatcher(.regexMatch, "__name__", ".+")
        #expect(try reader.select(matchers: [all], minTime: .min, maxTime: .max) == dirBlock.select(matchers: [all], minTime: .min, maxTime: .max))
    }

    @Test("Block works through the Queryable existential")
    func queryable() async throws {
        let parent = try makeTempDir("queryable")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = TestData.series(count: 10, samplesPerSeries: 10, seed: 1)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data))
        let q: any Queryable = try Block(directory: parent + "/" + meta.ulid)
        let tenant = try TenantID(validating: "team-a")
        let result = try await q.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: [try LabelMatcher(.notEqual, "job", "api")]))
        #expect(result.map(\.labels) == data.filter { $0.labels["job"] != "api" }.map(\.labels))
        #expect(try await q.labelValues(tenant: tenant, name: "job", minTime: .min, maxTime: .max, matchers: []) == ["api", "web"])
    }
}
