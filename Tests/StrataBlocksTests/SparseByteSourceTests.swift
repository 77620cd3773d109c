import Foundation
import StrataBlocks
import StrataModel
import Testing

@Suite("SparseByteSource and remote-reader support")
struct SparseByteSourceTests {
    @Test("reads are served only from loaded bytes; touching pieces merge; earlier bytes win")
    func loadedRanges() throws {
        let s = SparseByteSource(name: "obj", size: 100)
        #expect(throws: BlockError.rangeNotLoaded(file: "obj", range: 0..<4)) { try s.read(0..<4) }
        s.add([1, 2, 3, 4], at: 10)
        s.add([5, 6], at: 14)
        #expect(s.loadedRanges == [10..<16])
        #expect(try s.read(11..<16) == [2, 3, 4, 5, 6])
        s.add([9, 9, 9], at: 12) // overlaps: the bytes already there are kept
        #expect(try s.read(10..<16) == [1, 2, 3, 4, 5, 6])
        s.add([7, 8], at: 30)
        #expect(s.loadedRanges == [10..<16, 30..<32])
        #expect(throws: BlockError.rangeNotLoaded(file: "obj", range: 15..<31)) { try s.read(15..<31) }
        s.add(Array(repeating: 0, count: 20), at: 12) // bridges both pieces
        #expect(s.loadedRanges == [10..<32])
        #expect(try s.read(15..<32) == [6] + Array(repeating: 0, count: 14) + [7, 8])
        s.add([1, 1, 1, 1], at: 98) // clipped to the file size
        #expect(s.loadedRanges.last == 98..<100)
        #expect(throws: BlockError.self) { try s.read(99..<101) }
        #expect(try s.read(5..<5) == [])
        #expect(s.contains(20..<30) && !s.contains(0..<11))
        #expect(s.loadedByteCount == 24)
    }

    @Test("postingsRanges covers every read postings(matching:) makes, and replacingSource shares the parsed index")
    func postingsPlanning() throws {
        let parent = try makeTempDir("sparse")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = TestData.series(count: 300, samplesPerSeries: 20, seed: 5)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data))
        let path = parent + "/" + meta.ulid + "/index"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let local = try IndexReader(source: MemoryByteSource(name: path, bytes: bytes))

        let matcherSets: [[LabelMatcher]] = [
            [try LabelMatcher(.equal, "job", "api")],
            [try LabelMatcher(.regexMatch, "region", "eu.*|café"), try LabelMatcher(.notEqual, "env", "prod")],
            [try LabelMatcher(.notEqual, "job", "api")],
            [try LabelMatcher(.regexNoMatch, "instance", "host-1.*")],
            [try LabelMatcher(.equal, "env", "")],
            [try LabelMatcher(.equal, "job", "nope")],
            [try LabelMatcher(.equal, "nolabel", "x")],
            [try LabelMatcher(.regexMatch, "__name__", ".+"), try LabelMatcher(.equal, "instance", "host-7.example.org:9100")],
        ]
        for matchers in matcherSets {
            let sparse = SparseByteSource(name: path, size: bytes.count)
            let remote = try local.replacingSource(sparse)
            let planned = remote.postingsRanges(matching: matchers)
            for r in planned { sparse.add(Array(bytes[r]), at: r.lowerBound) }
            // Planned ranges are whole lists: never more than the postings section.
            #expect(planned.allSatisfy { $0.lowerBound >= Int(local.toc.postings) && $0.upperBound <= Int(local.toc.labelIndicesTable) })
            #expect(try remote.postings(matching: matchers) == local.postings(matching: matchers), "\(matchers)")
        }
        #expect(throws: BlockError.self) { try local.replacingSource(SparseByteSource(name: path, size: 3)) }
    }

    @Test("a reader over a sparse source reports the exact missing range, then succeeds once it is added")
    func missesNameTheRange() throws {
        let parent = try makeTempDir("sparse-miss")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = TestData.series(count: 20, samplesPerSeries: 200, seed: 8)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data))
        let dir = parent + "/" + meta.ulid
        let indexBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/index")))
        let segmentBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/chunks/000001")))
        let index = SparseByteSource(name: "index", size: indexBytes.count)
        let segment = SparseByteSource(name: "000001", size: segmentBytes.count)
        segment.add(Array(segmentBytes[0..<8]), at: 0)
        var rounds = 0
        var reader: BlockReader? = nil
        while reader == nil {
            rounds += 1
            #expect(rounds < 20)
            do throws(BlockError) {
                reader = try BlockReader(meta: meta, index: index, segments: [segment], tombstones: nil)
            } catch {
                guard case .rangeNotLoaded(let file, let range) = error, file == "index" else { throw error }
                index.add(Array(indexBytes[range]), at: range.lowerBound)
            }
        }
        #expect(index.loadedByteCount < indexBytes.count / 2, "opening needs the TOC, symbols and postings table only")
        let all = [try LabelMatcher(.regexMatch, "__name__", ".+")]
        var result: [QuerySeries]? = nil
        while result == nil {
            rounds += 1
            #expect(rounds < 500)
            do throws(BlockError) {
                result = try reader?.select(matchers: all, minTime: .min, maxTime: .max)
            } catch {
                guard case .rangeNotLoaded(let file, let range) = error else { throw error }
                let source = file == "index" ? index : segment
                let full = file == "index" ? indexBytes : segmentBytes
                source.add(Array(full[range]), at: range.lowerBound)
            }
        }
        #expect(result == (try Block(directory: dir).select(matchers: all, minTime: .min, maxTime: .max)))
    }
}
