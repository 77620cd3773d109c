import StrataChunks
import StrataModel
import StrataSeededRandom
import Testing

private func chunk(_ samples: [(Int64, Double)]) -> EncodedChunk {
    var c = XORChunk()
    for (t, v) in samples { c.append(timestamp: t, value: v) }
    return c.encoded()
}

private func drain(_ it: ChunkSeriesIterator) -> [Sample] {
    var it = it
    var out: [Sample] = []
    while let s = it.next() { out.append(s) }
    return out
}

@Suite("ChunkSeriesIterator")
struct ChunkSeriesIteratorTests {
    @Test("clips to the closed range across chunk boundaries")
    func clipping() {
        let chunks = [chunk((0..<10).map { (Int64($0) * 10, Double($0)) }), chunk((10..<20).map { (Int64($0) * 10, Double($0)) })]
        #expect(drain(ChunkSeriesIterator(chunks: chunks, minTime: 35, maxTime: 120)).map(\.timestamp) == Array(stride(from: 40, through: 120, by: 10)))
        #expect(drain(ChunkSeriesIterator(chunks: chunks, minTime: 0, maxTime: 190)).count == 20)
        #expect(drain(ChunkSeriesIterator(chunks: chunks, minTime: 90, maxTime: 100)).map(\.value) == [9, 10])
        #expect(drain(ChunkSeriesIterator(chunks: chunks, minTime: 191, maxTime: 500)).isEmpty)
        #expect(drain(ChunkSeriesIterator(chunks: chunks, minTime: 50, maxTime: 40)).isEmpty)
        #expect(drain(ChunkSeriesIterator(chunks: [], minTime: .min, maxTime: .max)).isEmpty)
    }

    @Test("overlapping chunks yield each timestamp once, the first chunk winning")
    func overlapDedup() {
        let a = chunk([(0, 1), (20, 1), (40, 1), (60, 1)])
        let b = chunk([(10, 2), (20, 2), (30, 2), (70, 2)])
        let c = chunk([(60, 3), (80, 3)])
        let got = drain(ChunkSeriesIterator(chunks: [a, b, c], minTime: .min, maxTime: .max))
        #expect(got.map(\.timestamp) == [0, 10, 20, 30, 40, 60, 70, 80])
        #expect(got.map(\.value) == [1, 2, 1, 2, 1, 1, 2, 3])
        // A duplicate replica yields the samples once.
        #expect(drain(ChunkSeriesIterator(chunks: [a, a], minTime: 0, maxTime: 100)).count == 4)
    }

    @Test("random overlapping chunk sets match a reference merge")
    func randomMerge() {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<300 {
            var chunks: [EncodedChunk] = []
            var reference: [Int64: Double] = [:]
            for k in 0..<Int.random(in: 1...5, using: &rng) {
                var t = Int64.random(in: 0...1000, using: &rng)
                var samples: [(Int64, Double)] = []
                for _ in 0..<Int.random(in: 1...30, using: &rng) {
                    t += Int64.random(in: 1...60, using: &rng)
                    samples.append((t, Double(k)))
                }
                chunks.append(chunk(samples))
            }
            chunks.sort { $0.minTime < $1.minTime }
            // Reference: first chunk in the sorted list wins each timestamp.
            for c in chunks {
                var it = XORIterator(bytes: c.data)
                while let s = it.next() { if reference[s.timestamp] == nil { reference[s.timestamp] = s.value } }
            }
            let lo = Int64.random(in: 0...1500, using: &rng)
            let hi = lo + Int64.random(in: 0...1500, using: &rng)
            let expected = reference.filter { $0.key >= lo && $0.key <= hi }.sorted { $0.key < $1.key }
            let got = drain(ChunkSeriesIterator(chunks: chunks, minTime: lo, maxTime: hi))
            #expect(got.map(\.timestamp) == expected.map(\.key))
            #expect(got.map(\.value) == expected.map(\.value))
        }
    }

    @Test("a corrupt chunk ends early without disturbing the others")
    func corruptChunk() {
        let good = chunk([(0, 1), (10, 1), (20, 1)])
        let bad = EncodedChunk(minTime: 5, maxTime: 50, encoding: .xor, data: [0x00, 0x09, 0xFF])
        let got = drain(ChunkSeriesIterator(chunks: [good, bad], minTime: .min, maxTime: .max))
        #expect(got.map(\.timestamp) == [0, 10, 20])
    }

    @Test("Int64.max is yielded once")
    func maxTimestamp() {
        let a = chunk([(.max - 1, 1), (.max, 1)])
        #expect(drain(ChunkSeriesIterator(chunks: [a, a], minTime: .min, maxTime: .max)).map(\.timestamp) == [.max - 1, .max])
    }
}
