import StrataModel
import StrataTSDB
import Testing

private func decodeSeries(_ bytes: [UInt8]) throws(RecordError) -> [RefSeries] {
    var out: [RefSeries] = []
    var failure: RecordError?
    bytes.withUnsafeBytes { raw in
        do throws(RecordError) { try RecordDecoder.series(raw, into: &out) } catch { failure = error }
    }
    if let failure { throw failure }
    return out
}

private func decodeSamples(_ bytes: [UInt8]) throws(RecordError) -> [RefSample] {
    var out: [RefSample] = []
    var failure: RecordError?
    bytes.withUnsafeBytes { raw in
        do throws(RecordError) { try RecordDecoder.samples(raw, into: &out) } catch { failure = error }
    }
    if let failure { throw failure }
    return out
}

private func decodeChunks(_ bytes: [UInt8]) throws(RecordError) -> [RefChunks] {
    var out: [RefChunks] = []
    var failure: RecordError?
    bytes.withUnsafeBytes { raw in
        do throws(RecordError) { try RecordDecoder.seriesChunks(raw, into: &out) } catch { failure = error }
    }
    if let failure { throw failure }
    return out
}

private func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }

@Suite("WAL record codecs")
struct RecordCodecTests {
    @Test("series record bytes follow Prometheus's layout")
    func seriesGolden() throws {
        var out: [UInt8] = []
        RecordEncoder.series([RefSeries(ref: 1, labels: Labels(["job": "a", "__name__": "up"]))], into: &out)
        let expected: [UInt8] = [1] + be64(1) + [2, 8] + Array("__name__".utf8) + [2] + Array("up".utf8) + [3] + Array("job".utf8) + [1] + Array("a".utf8)
        #expect(out == expected)
        #expect(try decodeSeries(out) == [RefSeries(ref: 1, labels: Labels(["job": "a", "__name__": "up"]))])
        #expect(out.withUnsafeBytes { RecordDecoder.type(of: $0) } == .series)
    }

    @Test("samples record bytes follow Prometheus's layout")
    func samplesGolden() throws {
        var out: [UInt8] = []
        RecordEncoder.samples([RefSample(ref: 5, timestamp: 1000, value: 1.0), RefSample(ref: 3, timestamp: 1015, value: 2.0)], into: &out)
        // varint(0), varint(0), value; then varint(3 - 5) = zigzag 3, varint(15) = zigzag 30.
        let expected: [UInt8] = [2] + be64(5) + be64(1000) + [0, 0] + be64(1.0.bitPattern) + [0x03, 0x1E] + be64(2.0.bitPattern)
        #expect(out == expected)
        #expect(try decodeSamples(out) == [RefSample(ref: 5, timestamp: 1000, value: 1.0), RefSample(ref: 3, timestamp: 1015, value: 2.0)])
    }

    @Test("empty records are just the type byte")
    func emptyRecords() throws {
        var out: [UInt8] = []
        RecordEncoder.samples([RefSample](), into: &out)
        #expect(out == [2])
        #expect(try decodeSamples(out).isEmpty)
        out.removeAll()
        RecordEncoder.series([RefSeries](), into: &out)
        #expect(try decodeSeries(out).isEmpty)
        out.removeAll()
        RecordEncoder.seriesChunks([RefChunks](), into: &out)
        #expect(out == [64])
        #expect(try decodeChunks(out).isEmpty)
    }

    @Test("random records round-trip, values bit-exact", arguments: 0..<4)
    func randomRoundTrip(seed: UInt64) throws {
        var rng = WALTestRNG(seed: seed)
        var buffer: [UInt8] = []
        for _ in 0..<50 {
            let series = (0..<Int.random(in: 1...40, using: &rng)).map { i in
                RefSeries(ref: rng.next(), labels: Labels((0..<Int.random(in: 0...12, using: &rng)).map { j in
                    Label(name: "l\(j)_\(i)", value: String(repeating: "v€", count: Int.random(in: 0...30, using: &rng)))
                }))
            }
            buffer.removeAll(keepingCapacity: true)
            RecordEncoder.series(series, into: &buffer)
            #expect(try decodeSeries(buffer) == series)

            let base = Int64.random(in: Int64.min / 2...Int64.max / 2, using: &rng)
            let samples = (0..<Int.random(in: 1...500, using: &rng)).map { _ in
                RefSample(ref: rng.next() % 3 == 0 ? rng.next() : UInt64.random(in: 0...1000, using: &rng),
                          timestamp: base &+ Int64.random(in: -1_000_000...1_000_000, using: &rng),
                          value: Double(bitPattern: rng.next()))
            }
            buffer.removeAll(keepingCapacity: true)
            RecordEncoder.samples(samples, into: &buffer)
            #expect(try decodeSamples(buffer) == samples)

            let chunks = (0..<Int.random(in: 1...10, using: &rng)).map { _ in
                RefChunks(ref: rng.next(), chunks: (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                    EncodedChunk(minTime: Int64(bitPattern: rng.next()), maxTime: Int64(bitPattern: rng.next()),
                                 encoding: .xor, data: rng.bytes(Int.random(in: 0...300, using: &rng)))
                })
            }
            buffer.removeAll(keepingCapacity: true)
            RecordEncoder.seriesChunks(chunks, into: &buffer)
            #expect(try decodeChunks(buffer) == chunks)
        }
    }

    @Test("RefSample equality compares values bitwise")
    func bitwiseEquality() {
        #expect(RefSample(ref: 1, timestamp: 2, value: .nan) == RefSample(ref: 1, timestamp: 2, value: .nan))
        #expect(RefSample(ref: 1, timestamp: 2, value: StaleNaN.value) != RefSample(ref: 1, timestamp: 2, value: .nan))
        #expect(RefSample(ref: 1, timestamp: 2, value: 0.0) != RefSample(ref: 1, timestamp: 2, value: -0.0))
    }

    @Test("a decoder given another record type reports it")
    func wrongType() {
        var out: [UInt8] = []
        RecordEncoder.samples([RefSample(ref: 1, timestamp: 1, value: 1)], into: &out)
        #expect(throws: RecordError.unknownType(2)) { try decodeSeries(out) }
        #expect(throws: RecordError.unknownType(9)) { try decodeChunks([9, 1, 2]) }
        #expect(throws: RecordError.self) { try decodeSamples([]) }
        #expect([UInt8]([3]).withUnsafeBytes { RecordDecoder.type(of: $0) } == nil)
        #expect([UInt8]([9]).withUnsafeBytes { RecordDecoder.type(of: $0) } == .customBucketsHistogramSamples)
        #expect([UInt8]().withUnsafeBytes { RecordDecoder.type(of: $0) } == nil)
        #expect([UInt8]([64]).withUnsafeBytes { RecordDecoder.type(of: $0) } == .seriesChunks)
    }

    @Test("chunks with an unknown encoding are refused")
    func unknownEncoding() {
        var out: [UInt8] = []
        RecordEncoder.seriesChunks([RefChunks(ref: 1, chunks: [EncodedChunk(minTime: 0, maxTime: 1, encoding: .xor, data: [0, 0])])], into: &out)
        out[8 + 1 + 1 + 1 + 1 + 1] = 7  // type, ref, count, minTime, maxTime → encoding byte
        #expect(throws: RecordError.self) { try decodeChunks(out) }
    }

    @Test("truncated, mutated and random records throw typed errors and never crash")
    func fuzz() {
        var rng = WALTestRNG(seed: 11)
        var valid: [[UInt8]] = []
        var buf: [UInt8] = []
        RecordEncoder.series([RefSeries(ref: 7, labels: Labels(["__name__": "x", "a": "b"])), RefSeries(ref: 9, labels: Labels(["c": "d"]))], into: &buf)
        valid.append(buf)
        buf = []
        RecordEncoder.samples((0..<20).map { RefSample(ref: UInt64($0), timestamp: Int64($0) * 1000, value: Double($0)) }, into: &buf)
        valid.append(buf)
        buf = []
        RecordEncoder.seriesChunks([RefChunks(ref: 3, chunks: [EncodedChunk(minTime: 1, maxTime: 9, encoding: .xor, data: [0, 1, 2, 3])])], into: &buf)
        valid.append(buf)
        var failures = 0
        var truncatedFailures = 0
        for iteration in 0..<30_000 {
            var bytes: [UInt8]
            if iteration % 3 == 0 {
                bytes = [[1, 2, 64][iteration % 9 / 3]] + rng.bytes(Int.random(in: 0...48, using: &rng))
            } else {
                bytes = valid[iteration % valid.count]
                if iteration % 3 == 1 {
                    let cut = Int.random(in: 1..<bytes.count, using: &rng)
                    bytes.removeLast(cut)
                } else {
                    bytes[Int.random(in: 1..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            // Every decoder runs on every input; only the one matching the type byte may succeed.
            var ownFailed = false
            do throws(RecordError) { _ = try decodeSeries(bytes) } catch { if bytes[0] == 1 { ownFailed = true } }
            do throws(RecordError) { _ = try decodeSamples(bytes) } catch { if bytes[0] == 2 { ownFailed = true } }
            do throws(RecordError) { _ = try decodeChunks(bytes) } catch { if bytes[0] == 64 { ownFailed = true } }
            if ownFailed { failures += 1 }
            if iteration % 3 == 1 && ownFailed { truncatedFailures += 1 }
        }
        #expect(failures > 0)
        // A record cut on a series or sample boundary is a valid shorter record; other cuts fail.
        #expect(truncatedFailures > 7_000)
    }
}
