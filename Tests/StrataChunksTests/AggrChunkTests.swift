import StrataChunks
import StrataModel
import StrataSeededRandom
import Testing

@Suite("Aggregate chunks (Thanos AggrChunk layout)")
struct AggrChunkTests {
    static func xor(_ samples: [(Int64, Double)]) -> XORChunk {
        var c = XORChunk()
        for (t, v) in samples { c.append(timestamp: t, value: v) }
        return c
    }

    /// The layout written out by hand from docs/format/aggr-chunk.md: per aggregate a uvarint
    /// length (0 = absent), then the sub-chunk's encoding byte and its bytes.
    static func byHand(_ parts: [XORChunk?]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            guard let part else { out.append(0); continue }
            var n = part.bytes.count
            while n >= 0x80 { out.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
            out.append(UInt8(n))
            out.append(1)
            out.append(contentsOf: part.bytes)
        }
        return out
    }

    @Test func encodesTheDocumentedLayoutAndReadsItBack() throws {
        let count = Self.xor([(299_999, 20), (599_999, 20)])
        let sum = Self.xor([(299_999, 210.5), (599_999, 610.25)])
        let counter = Self.xor([(0, 1), (299_999, 20), (599_999, 40), (599_999, 40)])
        let chunk = AggrChunk(count: count, sum: sum, min: nil, max: nil, counter: counter)
        let bytes = chunk.encoded()
        #expect(bytes == Self.byHand([count, sum, nil, nil, counter]))
        let read = try AggrChunk(bytes: bytes)
        #expect(read == chunk)
        #expect(read.windowCount == 2)
        #expect(read.samples(of: .sum).map(\.value) == [210.5, 610.25])
        #expect(read.samples(of: .counter).map(\.timestamp) == [0, 299_999, 599_999, 599_999])
        #expect(read.bytes(of: .min) == nil)
        #expect(read.samples(of: .max).isEmpty)
    }

    @Test func longSubChunksUseMultiByteLengths() throws {
        let big = Self.xor((0..<300).map { (Int64($0) * 300_000 + 299_999, Double($0) * 1.1) })
        #expect(big.bytes.count >= 128)
        let chunk = AggrChunk(count: big, sum: big, min: big, max: big, counter: big)
        #expect(chunk.encoded() == Self.byHand([big, big, big, big, big]))
        #expect(try AggrChunk(bytes: chunk.encoded()) == chunk)
        #expect(chunk.windowCount == 300)
    }

    @Test func refusesMalformedBytes() {
        let good = AggrChunk(count: Self.xor([(1, 1)]), sum: nil, min: nil, max: nil, counter: nil).encoded()
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("four entries", [0, 0, 0, 0]),
            ("trailing byte", [0, 0, 0, 0, 0, 7]),
            ("length past the end", [200, 1, 0, 0]),
            ("unknown sub-encoding", [good[0], 2] + Array(good[2...])),
            ("unterminated length", [0xff, 0xff, 0xff]),
            ("truncated XOR data", [3, 1, 0, 5, 0, 0, 0, 0, 0]),
        ]
        for (name, bytes) in cases {
            #expect(throws: ChunkError.self, "\(name)") { try AggrChunk(bytes: bytes) }
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededRandom(seed: 0xA66_C4)
        let seed = AggrChunk(count: Self.xor([(1, 1), (2, 2)]), sum: Self.xor([(1, 3), (2, 4)]), min: nil, max: nil,
                             counter: Self.xor([(0, 1), (1, 1), (2, 2), (2, 2)])).encoded()
        var parsed = 0
        for _ in 0..<5_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng)) }
            if let chunk = try? AggrChunk(bytes: bytes) {
                parsed += 1
                for aggregate in Aggregate.allCases { _ = chunk.samples(of: aggregate) }
                _ = chunk.windowCount
            }
        }
        #expect(parsed < 5_000, "some mutations must be refused")
    }
}

@Suite("Counter aggregate across chunks")
struct CounterAggregateTests {
    @Test func resetsWithinAndBetweenChunksAreAdded() {
        // Raw counter 10, 20, 30, 40 | reset | 5, 15: each chunk stores its first raw value, one
        // total per window, and its last raw value again at the last window's timestamp.
        var reader = CounterAggregate()
        reader.add([Sample(timestamp: 0, value: 10), Sample(timestamp: 180_000, value: 40), Sample(timestamp: 180_000, value: 40)])
        reader.add([Sample(timestamp: 300_000, value: 5), Sample(timestamp: 360_000, value: 15), Sample(timestamp: 360_000, value: 15)])
        #expect(reader.samples == [Sample(timestamp: 0, value: 10), Sample(timestamp: 180_000, value: 40),
                                   Sample(timestamp: 300_000, value: 45), Sample(timestamp: 360_000, value: 55)])
        #expect(reader.lastRawValue == 15)
    }

    @Test func theLastRawValueDecidesTheResetAtTheNextChunk() {
        // The chunk's last window total is 100 but its true last raw value is 3 (a reset inside
        // the window): the next chunk's first value 8 is then a rise of 5, not a reset.
        var reader = CounterAggregate()
        reader.add([Sample(timestamp: 0, value: 50), Sample(timestamp: 299_999, value: 100), Sample(timestamp: 299_999, value: 3)])
        reader.add([Sample(timestamp: 300_000, value: 8), Sample(timestamp: 599_999, value: 8), Sample(timestamp: 599_999, value: 8)])
        #expect(reader.samples.map(\.value) == [50, 100, 105, 105])
    }

    @Test func nanAndSamplesBackInTimeAreSkipped() {
        var reader = CounterAggregate()
        reader.add([Sample(timestamp: 10, value: 1), Sample(timestamp: 20, value: .nan), Sample(timestamp: 5, value: 100),
                    Sample(timestamp: 30, value: 4)])
        #expect(reader.samples == [Sample(timestamp: 10, value: 1), Sample(timestamp: 30, value: 4)])
    }
}
