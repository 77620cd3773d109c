import AsyncHTTPClient
import Foundation
import NIOCore
import StrataChunks
import StrataModel
import StrataWire
import Testing

/// Byte-level check against Prometheus's own encoder: a real Prometheus receives native
/// histograms by remote write 1.0, cuts a head chunk after 120 samples and writes it to
/// `chunks_head/`; the chunk's bytes must equal what Strata's `HistogramChunk` encodes for the
/// same samples.
@Suite(.serialized)
struct HistogramChunkGoldenTests {
    /// Minimal protobuf writing for the RW 1.0 messages this test sends.
    struct Proto {
        var bytes: [UInt8] = []
        mutating func varint(_ v: UInt64) {
            var x = v
            while x >= 0x80 { bytes.append(UInt8(x & 0x7f) | 0x80); x >>= 7 }
            bytes.append(UInt8(x))
        }
        mutating func tag(_ field: Int, _ wire: UInt64) { varint(UInt64(field) << 3 | wire) }
        mutating func uint(_ field: Int, _ v: UInt64) { tag(field, 0); varint(v) }
        mutating func sint(_ field: Int, _ v: Int64) { tag(field, 0); varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
        mutating func double(_ field: Int, _ v: Double) {
            tag(field, 1)
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64(i)))) }
        }
        mutating func message(_ field: Int, _ m: Proto) { tag(field, 2); varint(UInt64(m.bytes.count)); bytes += m.bytes }
        mutating func string(_ field: Int, _ s: String) { tag(field, 2); varint(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    }

    static func histogramMessage(_ s: HistogramSample) -> Proto {
        let h = s.histogram
        var m = Proto()
        m.uint(1, h.count)
        m.double(3, h.sum)
        m.sint(4, Int64(h.schema))
        m.double(5, h.zeroThreshold)
        m.uint(6, h.zeroCount)
        for span in h.negativeSpans {
            var sp = Proto(); sp.sint(1, Int64(span.offset)); sp.uint(2, UInt64(span.length)); m.message(8, sp)
        }
        for d in h.negativeBuckets { m.sint(9, d) }
        for span in h.positiveSpans {
            var sp = Proto(); sp.sint(1, Int64(span.offset)); sp.uint(2, UInt64(span.length)); m.message(11, sp)
        }
        for d in h.positiveBuckets { m.sint(12, d) }
        m.tag(15, 0); m.varint(UInt64(bitPattern: s.timestamp))
        return m
    }

    static func floatHistogramMessage(_ s: FloatHistogramSample) -> Proto {
        let h = s.histogram
        var m = Proto()
        m.double(2, h.count)
        m.double(3, h.sum)
        m.sint(4, Int64(h.schema))
        m.double(5, h.zeroThreshold)
        m.double(7, h.zeroCount)
        for span in h.negativeSpans {
            var sp = Proto(); sp.sint(1, Int64(span.offset)); sp.uint(2, UInt64(span.length)); m.message(8, sp)
        }
        for c in h.negativeBuckets { m.double(10, c) }
        for span in h.positiveSpans {
            var sp = Proto(); sp.sint(1, Int64(span.offset)); sp.uint(2, UInt64(span.length)); m.message(11, sp)
        }
        for c in h.positiveBuckets { m.double(13, c) }
        m.tag(15, 0); m.varint(UInt64(bitPattern: s.timestamp))
        return m
    }

    /// Starts Prometheus, remote-writes `request`, stops it, and returns the head chunks it wrote.
    static func headChunks(_ request: Proto, prefix: String) async throws -> [(encoding: UInt8, data: [UInt8])] {
        let dir = try makeTempDirectory(prefix)
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let prometheus = try PrometheusProcess(directory: dir, extraArguments: ["--enable-feature=native-histograms", "--web.enable-remote-write-receiver"]) { _ in
            "global:\n  scrape_interval: 1m\n"
        }
        defer { prometheus.terminate() }
        try await prometheus.waitUntilReady(client: client)
        var post = HTTPClientRequest(url: prometheus.baseURL + "/api/v1/write")
        post.method = .POST
        post.headers.add(name: "Content-Type", value: "application/x-protobuf")
        post.headers.add(name: "Content-Encoding", value: "snappy")
        post.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        post.body = .bytes(ByteBuffer(bytes: Snappy.compress(request.bytes)))
        let response = try await client.execute(post, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 1 << 20)
        try #require(response.status == .noContent, "remote write: \(response.status) \(String(buffer: answer))")
        // Shutting down flushes the memory-mapped head chunks to chunks_head/.
        prometheus.terminate()
        let headDir = dir.appendingPathComponent("data/chunks_head")
        let files = try FileManager.default.contentsOfDirectory(atPath: headDir.path).sorted()
        var found: [(encoding: UInt8, data: [UInt8])] = []
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: headDir.appendingPathComponent(f)))
            // File: magic, version, padding (8 bytes); chunk: series ref, mint, maxt (24 bytes),
            // encoding, uvarint length, data, CRC32.
            var i = 8
            while i + 25 <= bytes.count {
                let encoding = bytes[i + 24]
                if encoding == 0 { break }
                i += 25
                var length = 0, shift = 0
                while i < bytes.count {
                    let b = bytes[i]; i += 1
                    length |= Int(b & 0x7f) << shift
                    shift += 7
                    if b < 0x80 { break }
                }
                guard i + length + 4 <= bytes.count else { break }
                found.append((encoding, Array(bytes[i..<i + length])))
                i += length + 4
            }
        }
        return found
    }

    @Test("Prometheus's head chunk of native histograms equals Strata's encoding byte for byte")
    func prometheusHeadChunkGolden() async throws {
        // Samples about 15 s apart (some jitter) from a 2 h-aligned start a day ago, growing
        // counts, a sum that is not round.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let start = (now - 86_400_000) / 7_200_000 * 7_200_000
        var samples: [HistogramSample] = []
        for i in 0..<200 {
            let k = Int64(i)
            let pos: [Int64] = [k, 3 * k + 1, k * k / 7 + k, 7 * k]
            let neg: [Int64] = [k / 3, k]
            let zero = UInt64(k / 2)
            let total = zero + UInt64(pos.reduce(0, +) + neg.reduce(0, +))
            samples.append(HistogramSample(timestamp: start + k * 15_000 + (i % 3 == 0 ? 7 : 0), histogram: Histogram(
                schema: 2, zeroThreshold: 0x1p-128, zeroCount: zero, count: total, sum: Double(k) * 0.1 + 0.001 * Double(k * k),
                positiveSpans: [HistogramSpan(offset: -2, length: 2), HistogramSpan(offset: 1, length: 2)],
                positiveBuckets: Histogram.deltas(pos),
                negativeSpans: [HistogramSpan(offset: 0, length: 2)], negativeBuckets: Histogram.deltas(neg))))
        }
        var series = Proto()
        var lbl = Proto(); lbl.string(1, "__name__"); lbl.string(2, "golden_hist")
        series.message(1, lbl)
        for s in samples { series.message(4, Self.histogramMessage(s)) }
        var request = Proto()
        request.message(1, series)
        let found = try await Self.headChunks(request, prefix: "strata-hist-golden")
        let first = try #require(found.first, "Prometheus wrote no head chunk")
        #expect(first.encoding == ChunkEncoding.histogram.rawValue)
        let n = Int(first.data[0]) << 8 | Int(first.data[1])
        #expect(n > 1 && n < samples.count)
        var chunk = HistogramChunk()
        for s in samples.prefix(n) { #expect(chunk.append(timestamp: s.timestamp, histogram: s.histogram) == .appended) }
        print("Prometheus head chunk: \(n) histograms, \(first.data.count) bytes, flags \(String(first.data[2], radix: 16)); Strata: \(chunk.bytes.count) bytes")
        // The flag byte is the counter-reset header, which Prometheus's head sets from what it
        // knows of the series; the encoded samples must be identical.
        #expect(Array(chunk.bytes[0..<2]) == Array(first.data[0..<2]))
        #expect(Array(chunk.bytes.dropFirst(3)) == Array(first.data.dropFirst(3)))
        var it = HistogramIterator(bytes: first.data)
        var decoded = 0
        while let s = it.next() {
            #expect(s.histogram.count == samples[decoded].histogram.count && s.timestamp == samples[decoded].timestamp)
            decoded += 1
        }
        #expect(it.error == nil)
        #expect(decoded == n)
    }

    @Test("Prometheus's head chunk of float histograms equals Strata's encoding byte for byte")
    func prometheusFloatHeadChunkGolden() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let start = (now - 86_400_000) / 7_200_000 * 7_200_000
        var samples: [FloatHistogramSample] = []
        for i in 0..<200 {
            let k = Double(i)
            let pos = [k * 0.5, k * 1.1 + 3, k * k / 7]
            let neg = [k / 3]
            let total = k * 0.25 + pos.reduce(0, +) + neg.reduce(0, +)
            samples.append(FloatHistogramSample(timestamp: start + Int64(i) * 15_000 + Int64(i % 4), histogram: FloatHistogram(
                schema: 1, zeroThreshold: 0.001, zeroCount: k * 0.25, count: total,
                sum: k * 0.37, positiveSpans: [HistogramSpan(offset: 0, length: 1), HistogramSpan(offset: 2, length: 2)],
                positiveBuckets: pos, negativeSpans: [HistogramSpan(offset: -1, length: 1)], negativeBuckets: neg)))
        }
        var series = Proto()
        var lbl = Proto(); lbl.string(1, "__name__"); lbl.string(2, "golden_float_hist")
        series.message(1, lbl)
        for s in samples { series.message(4, Self.floatHistogramMessage(s)) }
        var request = Proto()
        request.message(1, series)
        let found = try await Self.headChunks(request, prefix: "strata-fhist-golden")
        let first = try #require(found.first, "Prometheus wrote no head chunk")
        #expect(first.encoding == ChunkEncoding.floatHistogram.rawValue)
        let n = Int(first.data[0]) << 8 | Int(first.data[1])
        #expect(n > 1 && n < samples.count)
        var chunk = FloatHistogramChunk()
        for s in samples.prefix(n) { #expect(chunk.append(timestamp: s.timestamp, histogram: s.histogram) == .appended) }
        print("Prometheus float head chunk: \(n) histograms, \(first.data.count) bytes, flags \(String(first.data[2], radix: 16)); Strata: \(chunk.bytes.count) bytes")
        #expect(Array(chunk.bytes[0..<2]) == Array(first.data[0..<2]))
        #expect(Array(chunk.bytes.dropFirst(3)) == Array(first.data.dropFirst(3)))
    }
}
