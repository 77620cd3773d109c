import StrataChunks
import StrataModel
import StrataSeededRandom
import Testing

@Suite("Rechunker")
struct RechunkerTests {
    /// `count` samples 15 s apart cut into chunks of `per`.
    static func chunks(count: Int, per: Int, seed: UInt64) -> (samples: [Sample], chunks: [EncodedChunk]) {
        var rng = SeededRandom(seed: seed)
        var samples: [Sample] = []
        var chunks: [EncodedChunk] = []
        var chunk = XORChunk()
        var v = 1000.0
        for i in 0..<count {
            v += Double(UInt64.random(in: 0..<40, using: &rng)) + (i % 50 == 7 ? 0.123456789 : 0)
            let s = Sample(timestamp: 1_700_000_000_000 + Int64(i) * 15_000, value: v)
            if chunk.count == per {
                chunks.append(chunk.encoded())
                chunk = XORChunk()
            }
            chunk.append(timestamp: s.timestamp, value: s.value)
            samples.append(s)
        }
        if chunk.count > 0 { chunks.append(chunk.encoded()) }
        return (samples, chunks)
    }

    static func decode(_ chunks: [EncodedChunk]) -> [Sample] {
        var out: [Sample] = []
        for c in chunks {
            var it = XORIterator(bytes: c.data)
            while let s = it.next() { out.append(s) }
        }
        return out
    }

    @Test("merges head chunks into chunks of the requested length with the same samples and bounds")
    func merges() throws {
        let (samples, chunks) = Self.chunks(count: 1000, per: 120, seed: 3)
        #expect(chunks.count == 9)
        let merged = try Rechunker.rechunk(chunks, samplesPerChunk: 480)
        #expect(merged.map { XORIterator(bytes: $0.data).declaredCount } == [480, 480, 40])
        let decoded = Self.decode(merged)
        #expect(decoded.count == samples.count && zip(decoded, samples).allSatisfy { $0.isIdentical(to: $1) })
        #expect(merged.map(\.minTime) == [samples[0].timestamp, samples[480].timestamp, samples[960].timestamp])
        #expect(merged.map(\.maxTime) == [samples[479].timestamp, samples[959].timestamp, samples[999].timestamp])
        #expect(merged.reduce(0) { $0 + $1.data.count } < chunks.reduce(0) { $0 + $1.data.count })
        // Shorter target lengths split as well.
        let split = try Rechunker.rechunk(chunks, samplesPerChunk: 100)
        #expect(split.count == 10 && Self.decode(split).count == 1000)
    }

    @Test("a lone chunk no longer than the target is returned as it is")
    func loneChunkUnchanged() throws {
        let (_, chunks) = Self.chunks(count: 90, per: 120, seed: 4)
        #expect(try Rechunker.rechunk(chunks, samplesPerChunk: 480) == chunks)
        #expect(try Rechunker.rechunk([], samplesPerChunk: 480).isEmpty)
        // Without keepingLoneChunk it is re-encoded: same samples, new bytes object.
        let again = try Rechunker.rechunk(chunks, samplesPerChunk: 480, keepingLoneChunk: false)
        #expect(Self.decode(again).count == 90 && again.count == 1)
    }

    @Test("a corrupt chunk is reported, not merged")
    func corrupt() {
        let (_, chunks) = Self.chunks(count: 300, per: 120, seed: 5)
        var bad = chunks
        bad[1] = EncodedChunk(minTime: bad[1].minTime, maxTime: bad[1].maxTime, encoding: .xor, data: Array(bad[1].data.prefix(7)))
        #expect(throws: ChunkError.self) { try Rechunker.rechunk(bad, samplesPerChunk: 480) }
    }
}
