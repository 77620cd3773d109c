import Testing
@testable import StrataWire
import StrataSeededRandom

@Suite("Snappy block format")
struct SnappyTests {
    func snappyError(_ input: [UInt8], limit: Int = 1 << 20) -> SnappyError? {
        do {
            _ = try Snappy.decompress(input, maxDecodedSize: limit)
            return nil
        } catch {
            return error
        }
    }

    @Test func roundTrips() throws {
        var rng = SeededRandom(seed: 1)
        let random = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let repetitive = [UInt8](String(repeating: "http_requests_total{job=\"api\"} ", count: 2000).utf8)
        for input in [[], [7], Array("hello".utf8), random, repetitive] {
            let compressed = Snappy.compress(input)
            let length = try compressed.withUnsafeBytes { raw throws(SnappyError) in try Snappy.decodedLength(raw) }
            #expect(length == input.count)
            #expect(try Snappy.decompress(compressed, maxDecodedSize: input.count) == input)
        }
        #expect(Snappy.compress(repetitive).count < repetitive.count / 10)
    }

    @Test func decodesHandWrittenBlock() throws {
        // Length 5, then a literal of 5 bytes (tag (5-1) << 2 = 0x10).
        #expect(try Snappy.decompress([0x05, 0x10] + Array("hello".utf8), maxDecodedSize: 5) == Array("hello".utf8))
        // Length 8: literal "ab", then a 1-byte-offset copy of length 6 from offset 2 ("ababab").
        let copy: [UInt8] = [0x08, 0x04, 0x61, 0x62, 0b0000_1001, 0x02]
        #expect(try Snappy.decompress(copy, maxDecodedSize: 8) == Array("abababab".utf8))
    }

    @Test func refusesBombsBeforeAllocating() throws {
        // Header claims 2^32-1 bytes; the rest is a tiny literal.
        let bomb: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]
        #expect(snappyError(bomb) == .tooLarge(decodedSize: 4_294_967_295, limit: 1 << 20))
        #expect(snappyError([0x80, 0x80, 0x80, 0x80, 0x08, 0x00], limit: 100) == .tooLarge(decodedSize: 1 << 31, limit: 100))
        #expect(snappyError([0x06, 0x14] + Array("hello!".utf8), limit: 5) == .tooLarge(decodedSize: 6, limit: 5))
        #expect(SnappyError.tooLarge(decodedSize: 6, limit: 5).description.contains("limit of 5 bytes"))
        // Within the limit, but more than any 3-byte body can expand to: refused as corrupt
        // before the 64 KiB are allocated.
        #expect(snappyError([0x80, 0x80, 0x04]) == .corrupt)
        // The densest real encoding still passes the expansion check.
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        #expect(try Snappy.decompress(Snappy.compress(zeros), maxDecodedSize: 1 << 20) == zeros)
    }

    @Test func refusesCorruptBlocks() {
        #expect(snappyError([]) == .empty)
        // Header longer than five bytes, or beyond 32 bits.
        #expect(snappyError([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]) == .corrupt)
        #expect(snappyError([0xff, 0xff, 0xff, 0xff, 0x1f]) == .corrupt)
        // Literal shorter than announced.
        #expect(snappyError([0x05, 0x10, 0x61]) == .corrupt)
        // Decoded size disagrees with header.
        #expect(snappyError([0x06, 0x10] + Array("hello".utf8)) == .corrupt)
        // Copy from before the start of the output.
        #expect(snappyError([0x08, 0x04, 0x61, 0x62, 0b0000_1001, 0x09]) == .corrupt)
        // Zero-length block with trailing garbage.
        #expect(snappyError([0x00, 0x10, 0x61]) == .corrupt)
        #expect(snappyError([0x00]) == nil)
        // A valid block followed by a stray byte.
        #expect(snappyError(Snappy.compress(Array("hello".utf8)) + [0x00]) == .corrupt)
        // Every truncation of a real block.
        let compressed = Snappy.compress(Array(String(repeating: "abc123", count: 100).utf8))
        for cut in 1..<compressed.count {
            #expect(snappyError(Array(compressed[..<cut])) == .corrupt, "cut \(cut)")
        }
    }

    @Test func recognisesTheFramedFormat() {
        let framed: [UInt8] = Snappy.framedMagic + [0x01, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x61]
        #expect(snappyError(framed) == .framedFormat)
        #expect(snappyError(framed, limit: 10) == .framedFormat)
        #expect(SnappyError.framedFormat.description.contains("block format"))
    }
}
