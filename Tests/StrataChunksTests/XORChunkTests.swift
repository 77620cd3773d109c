import StrataChunks
import StrataModel
import StrataSeededRandom
import Testing

/// Encodes `samples`, decodes them, and checks bit-exact equality.
private func roundTrip(_ samples: [Sample], sourceLocation: SourceLocation = #_sourceLocation) {
    var chunk = XORChunk()
    for s in samples { chunk.append(timestamp: s.timestamp, value: s.value) }
    #expect(chunk.count == samples.count, sourceLocation: sourceLocation)
    var it = chunk.makeIterator()
    var decoded: [Sample] = []
    while let s = it.next() { decoded.append(s) }
    #expect(it.error == nil, sourceLocation: sourceLocation)
    #expect(decoded.count == samples.count, sourceLocation: sourceLocation)
    for (a, b) in zip(decoded, samples) where !a.isIdentical(to: b) {
        Issue.record("decoded \(a) (bits \(a.value.bitPattern)) != \(b) (bits \(b.value.bitPattern))", sourceLocation: sourceLocation)
        return
    }
    if let first = samples.first, let last = samples.last {
        #expect(chunk.minTime == first.timestamp, sourceLocation: sourceLocation)
        #expect(chunk.maxTime == last.timestamp, sourceLocation: sourceLocation)
        #expect(chunk.lastValue.bitPattern == last.value.bitPattern, sourceLocation: sourceLocation)
    }
}

@Suite("XOR chunk encoding")
struct XORChunkTests {
    @Test("known vector: bytes match the Prometheus layout computed from the spec")
    func golden() {
        // Covers: first sample varint + raw value, second uvarint delta + new XOR window, dod 0 with
        // an unchanged value, +5 and -5 dods in the 14-bit bucket, and a window change to StaleNaN.
        var chunk = XORChunk()
        chunk.append(timestamp: 1000, value: 1.0)
        chunk.append(timestamp: 16000, value: 2.0)
        chunk.append(timestamp: 31000, value: 2.0)
        chunk.append(timestamp: 46005, value: 3.5)
        chunk.append(timestamp: 61005, value: StaleNaN.value)
        let expected: [UInt8] = [
            0x00, 0x05, 0xD0, 0x0F, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x98, 0x75, 0xC2, 0x5F,
            0xFF, 0x20, 0x01, 0x76, 0x05, 0xDF, 0xFD, 0xE2, 0xF7, 0xFF, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
        ]
        #expect(chunk.bytes == expected)
        let encoded = chunk.encoded()
        #expect(encoded.minTime == 1000 && encoded.maxTime == 61005 && encoded.encoding == .xor)
        #expect(encoded.data == expected)
    }

    @Test("empty chunk is the 2-byte zero header and yields nothing")
    func empty() {
        let chunk = XORChunk()
        #expect(chunk.bytes == [0, 0])
        #expect(chunk.count == 0)
        var it = chunk.makeIterator()
        #expect(it.next() == nil)
        #expect(it.error == nil)
    }

    @Test("timestamp buckets at their exact boundaries round-trip")
    func dodBoundaries() {
        // Each bucket holds -(2^(n-1)-1) ... 2^(n-1); test both edges and one past each.
        var samples: [Sample] = [Sample(timestamp: 0, value: 1), Sample(timestamp: 100_000, value: 1)]
        var t: Int64 = 100_000
        var delta: Int64 = 100_000
        for n in [14, 17, 20] as [Int64] {
            let half: Int64 = 1 << (n - 1)
            for dod in [half, half + 1, -(half - 1), -half, 1, -1, 0] {
                delta += dod
                t += delta
                samples.append(Sample(timestamp: t, value: Double(dod)))
            }
        }
        roundTrip(samples)
    }

    @Test("special values round-trip bit-exactly")
    func specialValues() {
        let values: [Double] = [
            .nan, StaleNaN.value, .infinity, -.infinity, -0.0, 0.0, .greatestFiniteMagnitude,
            .leastNonzeroMagnitude, -.leastNormalMagnitude, Double(bitPattern: 0x7ff8_0000_0000_0001),
            StaleNaN.value, StaleNaN.value, 1, .nan, -0.0,
        ]
        roundTrip(values.enumerated().map { Sample(timestamp: Int64($0.offset) * 15_000, value: $0.element) })
    }

    @Test("random series of many shapes round-trip", arguments: 0..<8)
    func randomSeries(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let n = Int.random(in: 1...XORChunk.maxSamples, using: &rng)
            var t = Int64.random(in: -2_000_000_000_000...2_000_000_000_000, using: &rng)
            var counter = 0.0
            var samples: [Sample] = []
            let shape = Int.random(in: 0..<7, using: &rng)
            for i in 0..<n {
                switch shape {
                case 0: t += 15_000 + Int64.random(in: -50...50, using: &rng)  // jittered scrape
                case 1: t += 15_000
                case 2: t += Int64.random(in: 1...Int64(1) << 40, using: &rng)  // huge deltas
                case 3: t += Int64.random(in: 1...3, using: &rng)
                default: t += Int64.random(in: 1...600_000, using: &rng)
                }
                let value: Double
                switch shape {
                case 0, 3:
                    counter += Double(Int.random(in: 0...100, using: &rng))
                    if Int.random(in: 0..<50, using: &rng) == 0 { counter = 0 }  // reset
                    value = counter
                case 1: value = 42.5  // constant
                case 2: value = Double(bitPattern: rng.next())  // any bits, NaN payloads included
                case 4: value = i % 7 == 3 ? StaleNaN.value : Double.random(in: -1e6...1e6, using: &rng)
                case 5: value = Double(Int.random(in: -3...3, using: &rng)) * 0.1
                default: value = [Double.nan, .infinity, -0.0, 1e-300, -.infinity][i % 5]
                }
                samples.append(Sample(timestamp: t, value: value))
            }
            roundTrip(samples)
        }
    }

    @Test("extreme timestamps, including negative ones and wrapping deltas, round-trip")
    func extremeTimestamps() {
        roundTrip([
            Sample(timestamp: .min, value: 1), Sample(timestamp: .max, value: 2),
            Sample(timestamp: -5, value: 3), Sample(timestamp: .min, value: 4), Sample(timestamp: 0, value: 5),
        ])
        roundTrip([Sample(timestamp: -86_400_000, value: 1), Sample(timestamp: -86_385_000, value: 1), Sample(timestamp: -86_370_000, value: 1)])
        roundTrip([Sample(timestamp: 5, value: 1)])
    }

    @Test("resuming with init(bytes:) continues exactly as an uninterrupted appender")
    func resumeAppend() throws {
        var rng = SeededRandom(seed: 99)
        for round in 0..<200 {
            let n = Int.random(in: 0...XORChunk.maxSamples, using: &rng)
            var samples: [Sample] = []
            var t: Int64 = 1_700_000_000_000
            for i in 0..<n {
                t += 15_000 + Int64.random(in: -20...20, using: &rng)
                let v = round % 3 == 0 ? 7.0 : (i % 11 == 0 ? StaleNaN.value : Double(Int.random(in: 0...1000, using: &rng)) / 8)
                samples.append(Sample(timestamp: t, value: v))
            }
            var straight = XORChunk()
            for s in samples { straight.append(timestamp: s.timestamp, value: s.value) }
            let cut = n == 0 ? 0 : Int.random(in: 0...n, using: &rng)
            var first = XORChunk()
            for s in samples[..<cut] { first.append(timestamp: s.timestamp, value: s.value) }
            var resumed = try XORChunk(bytes: first.bytes)
            #expect(resumed.count == cut)
            for s in samples[cut...] { resumed.append(timestamp: s.timestamp, value: s.value) }
            #expect(resumed.bytes == straight.bytes, "round \(round) cut \(cut) of \(n)")
            #expect(resumed.minTime == straight.minTime && resumed.maxTime == straight.maxTime)
        }
    }

    @Test("init(bytes:) rejects truncated chunks and trailing garbage")
    func resumeValidates() {
        var chunk = XORChunk()
        for i in 0..<50 { chunk.append(timestamp: Int64(i) * 1000, value: Double(i) * 1.5) }
        #expect(throws: ChunkError.self) { try XORChunk(bytes: Array(chunk.bytes.dropLast(3))) }
        #expect(throws: ChunkError.self) { try XORChunk(bytes: chunk.bytes + [0xAB]) }
        #expect(throws: ChunkError.self) { try XORChunk(bytes: [7]) }
        #expect((try? XORChunk(bytes: chunk.bytes))?.count == 50)
    }

    @Test("after an outlier widens the XOR window, a narrower window is reopened (30 bytes, not Prometheus's 79)")
    func narrowerWindowAfterOutlier() {
        let samples = Self.outlierThenSmallSteps()
        var chunk = XORChunk()
        for s in samples { chunk.append(timestamp: s.timestamp, value: s.value) }
        // Bits: header 16, sample 0 72 (varint 0 + raw value), sample 1 16 + 15 (uvarint 1000, new
        // 2-bit window), the outlier 1 + 65 (new 52-bit window), then eight samples with dod 0:
        // the first reopens a 2-bit window (1 + 15), the other seven reuse it (7 × (1 + 4)).
        // 236 bits = 30 bytes. Prometheus keeps the 52-bit window: 8 × (1 + 54) instead, 79 bytes.
        #expect(chunk.bytes.count == 30)
        roundTrip(samples)
    }

    /// Eleven samples 1 s apart whose value bits change by 2 bits at 48 trailing zeros, except the
    /// third, whose 52 low bits all flip.
    static func outlierThenSmallSteps() -> [Sample] {
        var bits: UInt64 = 0x4000_0000_0000_0000
        var out: [Sample] = []
        for i in 0..<11 {
            if i == 2 {
                bits ^= 0x000F_FFFF_FFFF_FFFF
            } else if i > 0 {
                bits ^= 0x3 << 48
            }
            out.append(Sample(timestamp: Int64(i) * 1000, value: Double(bitPattern: bits)))
        }
        return out
    }

    @Test("the count header caps a chunk at 65535 samples; further appends are dropped")
    func fullChunk() {
        var chunk = XORChunk()
        for i in 0..<XORChunk.maxEncodableSamples { chunk.append(timestamp: Int64(i), value: 1) }
        #expect(chunk.isFull && chunk.count == 65535)
        let before = chunk.bytes
        chunk.append(timestamp: 1_000_000, value: 2)
        #expect(chunk.bytes == before && chunk.maxTime == 65534)
        var n = 0
        var it = chunk.makeIterator()
        while it.next() != nil { n += 1 }
        #expect(n == 65535 && it.error == nil)
    }

    @Test("compact keeps the bytes, drops spare capacity, and appending continues")
    func compact() throws {
        var chunk = XORChunk()
        for i in 0..<5 { chunk.append(timestamp: Int64(i) * 15_000, value: Double(i)) }
        let before = chunk.bytes
        chunk.compact()
        #expect(chunk.bytes == before)
        #expect(chunk.bytes.capacity <= before.count + 32)
        chunk.append(timestamp: 75_000, value: 5)
        var reference = XORChunk()
        for i in 0..<6 { reference.append(timestamp: Int64(i) * 15_000, value: Double(i)) }
        #expect(chunk.bytes == reference.bytes)
        // The head keeps one open chunk per series: the struct stays small.
        #expect(MemoryLayout<XORChunk>.size <= 48)
    }

    @Test("corrupt and truncated input never crashes (random bytes and mutated chunks)")
    func fuzz() {
        var rng = SeededRandom(seed: 7)
        var valid = XORChunk()
        var t: Int64 = 0
        for i in 0..<XORChunk.maxSamples {
            t += Int64.random(in: 1...100_000, using: &rng)
            valid.append(timestamp: t, value: i % 5 == 0 ? .nan : Double(i) * 0.37)
        }
        var decodedSamples = 0
        var errors = 0
        for iteration in 0..<100_000 {
            var bytes: [UInt8]
            if iteration % 2 == 0 {
                bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = valid.bytes
                switch iteration % 3 {
                case 0: bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
                case 1:
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                default:
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            var it = XORIterator(bytes: bytes)
            while it.next() != nil { decodedSamples += 1 }
            if it.error != nil { errors += 1 }
            if iteration % 16 == 1 {
                if let resumed = try? XORChunk(bytes: bytes) {
                    var copy = resumed
                    copy.append(timestamp: copy.maxTime &+ 1, value: 1)
                    #expect(copy.count == resumed.count + 1)
                }
            }
        }
        #expect(errors > 0)
        #expect(decodedSamples > 0)
    }
}
