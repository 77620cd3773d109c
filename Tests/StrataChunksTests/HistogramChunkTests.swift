import StrataChunks
import StrataModel
import StrataSeededRandom
import Testing

/// Bytes of a bit string ("0"/"1", spaces ignored), zero-padded to whole bytes.
private func bits(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var n = 0
    for c in s where c == "0" || c == "1" {
        if n % 8 == 0 { out.append(0) }
        if c == "1" { out[out.count - 1] |= 0x80 >> UInt8(n % 8) }
        n += 1
    }
    return out
}

/// A random layout: 1–3 spans (first offset −5…5, later gaps 0…3, lengths 1…5).
private func randomSpans(_ rng: inout SeededRandom) -> [HistogramSpan] {
    (0..<Int.random(in: 1...3, using: &rng)).map { i in
        HistogramSpan(offset: i == 0 ? Int32.random(in: -5...5, using: &rng) : Int32.random(in: 0...3, using: &rng),
                      length: UInt32.random(in: 1...5, using: &rng))
    }
}

/// A counter series of `n` integer histograms with one layout and growing counts.
private func counterSeries(_ rng: inout SeededRandom, n: Int, schema: Int32 = 3) -> [HistogramSample] {
    let pos = randomSpans(&rng)
    let neg = Bool.random(using: &rng) ? randomSpans(&rng) : []
    var pAbs = [Int64](repeating: 0, count: HistogramSpan.bucketCount(pos))
    var nAbs = [Int64](repeating: 0, count: HistogramSpan.bucketCount(neg))
    var zero: UInt64 = 0
    var sum = 0.0
    var t = Int64.random(in: 0...1_000_000_000, using: &rng)
    var out: [HistogramSample] = []
    for _ in 0..<n {
        // Mostly small increments, sometimes huge ones, to cover every varbit width.
        func inc() -> Int64 {
            Int.random(in: 0..<10, using: &rng) == 0 ? Int64.random(in: 0...(1 << 40), using: &rng) : Int64.random(in: 0...20, using: &rng)
        }
        for i in pAbs.indices { pAbs[i] += inc() }
        for i in nAbs.indices { nAbs[i] += inc() }
        zero += UInt64(Int.random(in: 0...3, using: &rng))
        sum += Double.random(in: 0...1000, using: &rng)
        t += Int64.random(in: 0..<5, using: &rng) == 0 ? Int64.random(in: 1...100_000, using: &rng) : 15_000
        let count = zero + UInt64(pAbs.reduce(0, +)) + UInt64(nAbs.reduce(0, +))
        out.append(HistogramSample(timestamp: t, histogram: Histogram(
            schema: schema, zeroThreshold: 0x1p-128, zeroCount: zero, count: count, sum: sum,
            positiveSpans: pos, positiveBuckets: Histogram.deltas(pAbs),
            negativeSpans: neg, negativeBuckets: Histogram.deltas(nAbs))))
    }
    return out
}

/// Decodes a histogram chunk, failing the test on a decoding error.
private func decode(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [HistogramSample] {
    var it = HistogramIterator(bytes: bytes)
    var out: [HistogramSample] = []
    while let s = it.next() { out.append(s) }
    #expect(it.error == nil, "\(String(describing: it.error))", sourceLocation: sourceLocation)
    return out
}

private func decodeFloat(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [FloatHistogramSample] {
    var it = FloatHistogramIterator(bytes: bytes)
    var out: [FloatHistogramSample] = []
    while let s = it.next() { out.append(s) }
    #expect(it.error == nil, "\(String(describing: it.error))", sourceLocation: sourceLocation)
    return out
}

/// `h` with the hint a reader reports at `position` of a counter chunk (unknown, then not-reset).
private func hinted(_ h: Histogram, _ position: Int) -> Histogram {
    var h = h
    h.counterResetHint = position == 0 ? .unknown : .notCounterReset
    return h
}

private func hinted(_ h: FloatHistogram, _ position: Int) -> FloatHistogram {
    var h = h
    h.counterResetHint = position == 0 ? .unknown : .notCounterReset
    return h
}

@Suite("histogram chunk encodings")
struct HistogramChunkTests {
    @Test("known vector: bytes follow Prometheus's layout bit by bit")
    func golden() {
        var chunk = HistogramChunk()
        let h0 = Histogram(schema: 0, zeroThreshold: 0x1p-128, zeroCount: 1, count: 5, sum: 10.5,
                           positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [2, 0])
        let h1 = Histogram(schema: 0, zeroThreshold: 0x1p-128, zeroCount: 1, count: 8, sum: 18,
                           positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [3, 1])
        #expect(chunk.append(timestamp: 1000, histogram: h0) == .appended)
        #expect(chunk.append(timestamp: 61000, histogram: h1) == .appended)
        let stream = bits("""
            01110100 0 10001 10010 0 0
            11110 001111101000  10101  10001
            0100000000100101 000000000000000000000000000000000000000000000000
            10010 0
            111110 001110101001100000  10011  0
            1 1 01011 000101 10111
            10001 10001
            """)
        #expect(chunk.bytes == [0x00, 0x02, 0x00] + stream)
        #expect(decode(chunk.bytes).map(\.histogram) == [hinted(h0, 0), hinted(h1, 1)])
        #expect(decode(chunk.bytes).map(\.timestamp) == [1000, 61000])
    }

    @Test("random counter histograms round-trip exactly", arguments: 0..<40)
    func randomRoundTrip(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let schema = Int32.random(in: HistogramSchema.minExponential...HistogramSchema.maxExponential, using: &rng)
        let samples = counterSeries(&rng, n: Int.random(in: 1...200, using: &rng), schema: schema)
        var chunk = HistogramChunk()
        for s in samples { #expect(chunk.append(timestamp: s.timestamp, histogram: s.histogram) == .appended) }
        #expect(chunk.count == samples.count)
        #expect(chunk.minTime == samples.first?.timestamp)
        #expect(chunk.maxTime == samples.last?.timestamp)
        let decoded = decode(chunk.bytes)
        #expect(decoded.count == samples.count)
        for (i, (d, s)) in zip(decoded, samples).enumerated() {
            #expect(d.timestamp == s.timestamp)
            #expect(d.histogram.isIdentical(to: hinted(s.histogram, i)), "sample \(i) of seed \(seed)")
        }
        // Resuming the bytes yields the same appender: the next sample encodes identically.
        var resumed = try HistogramChunk(bytes: chunk.bytes)
        var next = samples[samples.count - 1].histogram
        next.count += 1
        next.zeroCount += 1
        #expect(resumed.append(timestamp: (samples.last?.timestamp ?? 0) + 1, histogram: next) == .appended)
        #expect(chunk.append(timestamp: (samples.last?.timestamp ?? 0) + 1, histogram: next) == .appended)
        #expect(resumed.bytes == chunk.bytes)
    }

    @Test("float histograms round-trip exactly, int histograms converted and random values", arguments: 0..<30)
    func randomFloatRoundTrip(seed: UInt64) throws {
        var rng = SeededRandom(seed: 1000 + seed)
        var samples = counterSeries(&rng, n: Int.random(in: 1...150, using: &rng)).map {
            FloatHistogramSample(timestamp: $0.timestamp, histogram: $0.histogram.toFloat())
        }
        // Non-integer counts, as a rate leaves them.
        for i in samples.indices {
            samples[i].histogram.positiveBuckets = samples[i].histogram.positiveBuckets.map { $0 + Double(i) * 0.37 }
            samples[i].histogram.count += Double(i) * 0.37 * Double(samples[i].histogram.positiveBuckets.count)
        }
        var chunk = FloatHistogramChunk()
        for s in samples { #expect(chunk.append(timestamp: s.timestamp, histogram: s.histogram) == .appended) }
        let decoded = decodeFloat(chunk.bytes)
        #expect(decoded.count == samples.count)
        for (i, (d, s)) in zip(decoded, samples).enumerated() {
            #expect(d.timestamp == s.timestamp)
            #expect(d.histogram.isIdentical(to: hinted(s.histogram, i)), "sample \(i) of seed \(seed)")
        }
        let resumed = try FloatHistogramChunk(bytes: chunk.bytes)
        #expect(resumed.bytes == chunk.bytes)
        #expect(resumed.count == chunk.count)
    }

    @Test("a changed schema or zero threshold, or new buckets, need a new chunk; a reset needs a reset header")
    func layoutChanges() {
        let base = Histogram(schema: 1, zeroThreshold: 0.001, zeroCount: 2, count: 10, sum: 3,
                             positiveSpans: [HistogramSpan(offset: 1, length: 2), HistogramSpan(offset: 2, length: 1)],
                             positiveBuckets: [2, 1, -1])
        var chunk = HistogramChunk()
        #expect(chunk.append(timestamp: 0, histogram: base) == .appended)
        var other = base
        other.schema = 2
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.unknown))
        other = base
        other.zeroThreshold = 0.002
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.unknown))
        // New buckets (indexes 3 and 4, between the spans).
        other = base
        other.count += 3
        other.positiveSpans = [HistogramSpan(offset: 1, length: 5)]
        other.positiveBuckets = Histogram.deltas([2, 3, 1, 2, 2])
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.unknown))
        // Counts going down, and a non-empty bucket disappearing, are counter resets.
        other = base
        other.count = 9
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.counterReset))
        other = base
        other.zeroCount = 1
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.counterReset))
        other = base
        other.positiveSpans = [HistogramSpan(offset: 1, length: 2)]
        other.positiveBuckets = [2, 1]
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.counterReset))
        other = base
        other.counterResetHint = .counterReset
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.counterReset))
        #expect(chunk.count == 1)
        // Nothing was written by the refused appends.
        var fresh = HistogramChunk()
        _ = fresh.append(timestamp: 0, histogram: base)
        #expect(fresh.bytes == chunk.bytes)
        // A gauge histogram does not go into a counter chunk.
        other = base
        other.counterResetHint = .gauge
        #expect(chunk.append(timestamp: 1, histogram: other) == .newChunkNeeded(.gauge))
        // Malformed: buckets that do not match the spans.
        other = base
        other.positiveBuckets = [1]
        guard case .invalid = chunk.append(timestamp: 1, histogram: other) else {
            Issue.record("malformed histogram accepted")
            return
        }
    }

    @Test("a histogram with a subset of the chunk's buckets is stored in the chunk's layout")
    func subsetExpands() {
        // Empty bucket at index 2: the next sample may drop it.
        let base = Histogram(schema: 0, count: 5, sum: 1,
                             positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: Histogram.deltas([2, 3, 0]))
        let subset = Histogram(schema: 0, count: 7, sum: 2,
                               positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: Histogram.deltas([3, 4]))
        var chunk = HistogramChunk()
        #expect(chunk.append(timestamp: 0, histogram: base) == .appended)
        #expect(chunk.append(timestamp: 1, histogram: subset) == .appended)
        let decoded = decode(chunk.bytes)
        #expect(decoded.count == 2)
        #expect(decoded.last?.histogram.positiveSpans == [HistogramSpan(offset: 0, length: 3)])
        #expect(decoded.last.map { Histogram.absolute($0.histogram.positiveBuckets) } == [3, 4, 0])
        #expect(decoded.last?.histogram.count == 7)
    }

    @Test("NaN and infinite sums round-trip; a stale marker ends what the chunk accepts")
    func specialSums() {
        let layout = [HistogramSpan(offset: 0, length: 1)]
        var chunk = HistogramChunk()
        let sums: [Double] = [1, .nan, .infinity, -.infinity, Double(bitPattern: 0x7ff8_0000_0000_0001), 0, -0.0]
        for (i, s) in sums.enumerated() {
            #expect(chunk.append(timestamp: Int64(i), histogram: Histogram(count: UInt64(i), sum: s, positiveSpans: layout,
                                                                             positiveBuckets: [Int64(i)])) == .appended)
        }
        #expect(chunk.append(timestamp: 100, histogram: .staleMarker) == .appended)
        #expect(chunk.append(timestamp: 101, histogram: Histogram(count: 100, sum: 1, positiveSpans: layout, positiveBuckets: [100]))
                == .newChunkNeeded(.unknown))
        #expect(chunk.append(timestamp: 102, histogram: .staleMarker) == .appended)
        let decoded = decode(chunk.bytes)
        #expect(decoded.count == sums.count + 2)
        for (d, s) in zip(decoded, sums) { #expect(d.histogram.sum.bitPattern == s.bitPattern) }
        #expect(decoded.suffix(2).allSatisfy { $0.histogram.isIdentical(to: .staleMarker) })
        #expect(decoded.suffix(2).map(\.timestamp) == [100, 102])

        // A chunk that starts with a stale marker, then float chunks alike.
        var staleFirst = HistogramChunk()
        #expect(staleFirst.append(timestamp: 5, histogram: .staleMarker) == .appended)
        #expect(decode(staleFirst.bytes).map { $0.histogram.isIdentical(to: .staleMarker) } == [true])
        var floats = FloatHistogramChunk()
        #expect(floats.append(timestamp: 1, histogram: FloatHistogram(count: 1.5, sum: .nan, positiveSpans: layout, positiveBuckets: [1.5])) == .appended)
        #expect(floats.append(timestamp: 2, histogram: .staleMarker) == .appended)
        #expect(floats.append(timestamp: 3, histogram: FloatHistogram(count: 2, sum: 1, positiveSpans: layout, positiveBuckets: [2]))
                == .newChunkNeeded(.unknown))
        let fd = decodeFloat(floats.bytes)
        #expect(fd.count == 2)
        #expect(fd.first?.histogram.sum.isNaN == true)
        #expect(fd.last?.histogram.isIdentical(to: .staleMarker) == true)
    }

    @Test("gauge histograms: gauge header, counts may fall, buckets may come and go within the layout")
    func gauges() {
        let layout = [HistogramSpan(offset: -2, length: 3)]
        var chunk = FloatHistogramChunk()
        var samples: [FloatHistogram] = []
        for i in 0..<20 {
            let b = [Double(i % 5), Double(10 - i % 7), 0.5]
            samples.append(FloatHistogram(counterResetHint: .gauge, schema: -1, zeroThreshold: 0, count: b.reduce(0, +),
                                          sum: Double(i) - 7.25, positiveSpans: layout, positiveBuckets: b))
        }
        for (i, h) in samples.enumerated() { #expect(chunk.append(timestamp: Int64(i) * 1000, histogram: h) == .appended) }
        #expect(chunk.header == .gauge)
        let decoded = decodeFloat(chunk.bytes)
        #expect(decoded.map(\.histogram) == samples)
        var counter = samples[0]
        counter.counterResetHint = .unknown
        #expect(chunk.append(timestamp: 100_000, histogram: counter) == .newChunkNeeded(.unknown))
    }

    @Test("custom-bucket (NHCB) histograms keep their bounds, compact and raw encodings alike")
    func customBuckets() {
        let bounds: [Double] = [0.005, 0.01, 0.1, 1, 2.5, 33554.43, 33554.431, -1, 0.1234567, .infinity]
        let n = bounds.count + 1
        let h = Histogram(schema: HistogramSchema.customBuckets, count: UInt64(n), sum: 12.5,
                          positiveSpans: [HistogramSpan(offset: 0, length: UInt32(n))],
                          positiveBuckets: Histogram.deltas((0..<n).map { _ in 1 }), customValues: bounds)
        var chunk = HistogramChunk()
        #expect(chunk.append(timestamp: 1, histogram: h) == .appended)
        var h2 = h
        h2.count += 1
        h2.positiveBuckets[0] += 1
        h2.positiveBuckets[1] -= 1
        #expect(chunk.append(timestamp: 2, histogram: h2) == .appended)
        var changed = h2
        changed.customValues[0] = 0.006
        #expect(chunk.append(timestamp: 3, histogram: changed) == .newChunkNeeded(.counterReset))
        let decoded = decode(chunk.bytes)
        #expect(decoded.count == 2)
        #expect(decoded.first.map { $0.histogram.customValues.map(\.bitPattern) } == bounds.map(\.bitPattern))
        #expect(decoded.last?.histogram.isIdentical(to: hinted(h2, 1)) == true)
    }

    @Test("zero thresholds: 0, powers of two in one byte, others in nine")
    func zeroThresholds() {
        for (threshold, firstByte) in [(0.0, UInt8(0)), (0x1p-128, 116), (0x1p10, 254), (0x1p-243, 1), (0x1p11, 255),
                                       (0.001, 255), (0x1p-244, 255), (3.0, 255)] {
            var chunk = HistogramChunk()
            #expect(chunk.append(timestamp: 0, histogram: Histogram(zeroThreshold: threshold, sum: 1)) == .appended)
            #expect(chunk.bytes[3] == firstByte, "threshold \(threshold)")
            #expect(decode(chunk.bytes).first?.histogram.zeroThreshold == threshold)
        }
    }

    @Test("corrupt and truncated bytes never trap and report an error")
    func corrupt() {
        var rng = SeededRandom(seed: 77)
        var chunk = HistogramChunk()
        for s in counterSeries(&rng, n: 30) { _ = chunk.append(timestamp: s.timestamp, histogram: s.histogram) }
        var floats = FloatHistogramChunk()
        for s in counterSeries(&rng, n: 30) { _ = floats.append(timestamp: s.timestamp, histogram: s.histogram.toFloat()) }
        for cut in [0, 1, 2, 3, 4, 10, chunk.bytes.count / 2, chunk.bytes.count - 1] {
            var it = HistogramIterator(bytes: Array(chunk.bytes.prefix(cut)))
            while it.next() != nil {}
            #expect(it.error != nil, "cut at \(cut)")
        }
        for cut in [0, 1, 2, 3, 4, 10, floats.bytes.count / 2, floats.bytes.count - 1] {
            var fit = FloatHistogramIterator(bytes: Array(floats.bytes.prefix(cut)))
            while fit.next() != nil {}
            #expect(fit.error != nil, "float cut at \(cut) of \(floats.bytes.count)")
        }
        // Random garbage after a valid header: terminates, whatever it decodes.
        for _ in 0..<200 {
            var garbage: [UInt8] = [0xff, 0xff, 0]
            for _ in 0..<Int.random(in: 0...64, using: &rng) { garbage.append(UInt8.random(in: 0...255, using: &rng)) }
            var it = HistogramIterator(bytes: garbage)
            var n = 0
            while it.next() != nil { n += 1 }
            #expect(n < 65535)
            var fit = FloatHistogramIterator(bytes: garbage)
            while fit.next() != nil {}
        }
        #expect(throws: ChunkError.self) { try HistogramChunk(bytes: chunk.bytes + [0]) }
    }

    @Test("the rechunker cuts at layout changes and counter resets")
    func rechunker() {
        var rng = SeededRandom(seed: 5)
        let a = counterSeries(&rng, n: 50)
        var b = counterSeries(&rng, n: 50)
        let shift = (a.last?.timestamp ?? 0) - (b.first?.timestamp ?? 0) + 1
        for i in b.indices { b[i].timestamp += shift }
        let chunks = HistogramRechunker.chunks(of: a + b, samplesPerChunk: 120)
        #expect(chunks.count >= 2)
        #expect(chunks.allSatisfy { $0.encoding == .histogram })
        let decoded = chunks.flatMap { decode($0.data) }
        #expect(decoded.map(\.timestamp) == (a + b).map(\.timestamp))
        #expect(zip(decoded, a + b).allSatisfy { $0.histogram.count == $1.histogram.count && $0.histogram.sum == $1.histogram.sum })
    }
}
