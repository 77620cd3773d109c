import StrataModel
import StrataTestSupport
import Testing
@testable import StrataWire

/// Native histograms in remote write 1.0 and 2.0: decoded into the batch's histogram column,
/// re-encoded by Strata's encoder, and refused when malformed.
@Suite("Native histograms on the wire")
struct HistogramWireTests {
    static let labels = Labels(["__name__": "rpc_latency_seconds", "job": "api"])

    @Test func remoteWrite1RoundTripsEveryField() throws {
        let body = RemoteWriteEncoder.encode(seriesWithHistograms: [
            (labels: Self.labels, samples: [Sample(timestamp: 1, value: 2)], histograms: awkwardHistograms),
            (labels: Labels(["__name__": "up"]), samples: [Sample(timestamp: 3, value: 1)], histograms: []),
            (labels: Labels(["__name__": "h2"]), samples: [], histograms: [awkwardHistograms[2]]),
        ])
        let batch = try RemoteWriteDecoder.decode(body)
        #expect(refsInBounds(batch))
        let got = plain(batch)
        #expect(got.map(\.histograms) == [UInt32(awkwardHistograms.count), 0, 1])
        #expect(got[0].histogramPoints.count == awkwardHistograms.count)
        #expect(zip(got[0].histogramPoints, awkwardHistograms).allSatisfy(identical))
        #expect(got[2].histogramPoints.count == 1 && identical(got[2].histogramPoints[0], awkwardHistograms[2]))
        #expect(batch.histogramSampleCount == awkwardHistograms.count + 1)
        // Strata's batch encoder (the gRPC push path) writes the same bytes as the value encoder.
        #expect(RemoteWriteEncoder.encode(batch) == body)
    }

    @Test func remoteWrite1MatchesTheIndependentEncoder() throws {
        // The 1.0 TimeSeries carries histograms in field 4; the v2 test encoder writes the
        // message byte by byte from the proto, so the two encoders must agree.
        for h in awkwardHistograms {
            let ours = RemoteWriteEncoder.encode(seriesWithHistograms: [(labels: .empty, samples: [], histograms: [h])])
            let theirs = field(1, field(4, RemoteWriteV2TestEncoder.histogram(h)))
            #expect(ours == theirs)
        }
    }

    @Test func remoteWrite2DecodesHistograms() throws {
        let body = RemoteWriteV2TestEncoder.encode([
            RW2TestSeries(labels: [("__name__", "rpc_latency_seconds"), ("job", "api")], samples: [(7, 1)],
                          nativeHistograms: awkwardHistograms),
            RW2TestSeries(labels: [("__name__", "up")], samples: [(8, 1)]),
        ])
        let request = try RemoteWriteV2Decoder.decode(body)
        let got = plain(request.batch)
        #expect(refsInBounds(request.batch))
        #expect(got.map(\.histograms) == [UInt32(awkwardHistograms.count), 0])
        #expect(got[0].histogramPoints.count == awkwardHistograms.count)
        #expect(zip(got[0].histogramPoints, awkwardHistograms).allSatisfy(identical))
        // Re-encoded as 1.0 (what the distributor forwards), the histograms survive.
        let again = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(request.batch))
        #expect(plain(again).map(\.histogramPoints).count == 2)
        #expect(zip(plain(again)[0].histogramPoints, awkwardHistograms).allSatisfy(identical))
    }

    @Test func unpackedRepeatedFieldsAndUnknownFieldsAreAccepted() throws {
        // count_int 5, schema -1 (zig-zag 1), one span {offset -3 (5), length 2}, deltas 2 and 1
        // (zig-zag 4 and 2) unpacked, custom-value style doubles unpacked, an unknown field 99.
        let span = field(11, tag(1, 0) + varint(5) + tag(2, 0) + varint(2))
        let h = tag(1, 0) + varint(5) + tag(4, 0) + varint(1) + span + tag(12, 0) + varint(4) + tag(12, 0) + varint(2)
            + tag(99, 0) + varint(7) + tag(15, 0) + varint(1000)
        let batch = try RemoteWriteDecoder.decode(field(1, field(1, field(1, Array("__name__".utf8)) + field(2, Array("x".utf8))) + field(4, h)))
        let point = try #require(batch.histograms(of: 0).first)
        #expect(point.timestamp == 1000)
        guard case .integer(let hist) = point.value else { Issue.record("not an integer histogram"); return }
        #expect(hist.count == 5 && hist.schema == -1)
        #expect(hist.positiveSpans == [HistogramSpan(offset: -3, length: 2)])
        #expect(hist.positiveBuckets == [2, 1])
    }

    @Test func malformedHistogramsAreRefused() {
        let name = field(1, field(1, Array("__name__".utf8)) + field(2, Array("x".utf8)))
        func body(_ h: [UInt8]) -> [UInt8] { field(1, name + field(4, h)) }
        // Integer count with float bucket counts.
        if case .mixedHistogramKinds? = writeError(body(tag(1, 0) + varint(1) + field(13, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]))) {} else {
            Issue.record("mixed kinds accepted")
        }
        // Reset hint 4 is not in the enum.
        if case .invalidEnumValue(_, let v)? = writeError(body(tag(14, 0) + varint(4))) { #expect(v == 4) } else {
            Issue.record("reset hint 4 accepted")
        }
        // count_float with the varint wire type.
        if case .invalidWireType? = writeError(body(tag(2, 0) + varint(1))) {} else { Issue.record("wrong wire type accepted") }
        // Packed doubles whose length is not a multiple of 8.
        if case .truncated? = writeError(body(field(13, [1, 2, 3]))) {} else { Issue.record("ragged packed doubles accepted") }
        // A span field that is not a message.
        if case .invalidWireType? = writeError(body(tag(11, 0) + varint(1))) {} else { Issue.record("span as varint accepted") }
        // Truncated inside the histogram.
        if case .truncated? = writeError(body(tag(3, 1) + [0, 0, 0])) {} else { Issue.record("truncated sum accepted") }
    }

    @Test func repeatedFieldsAreBounded() {
        let limit = ProtoLimits.maxHistogramItems
        let packed = field(12, [UInt8](repeating: 0, count: limit + 1))
        let body = field(1, field(1, field(1, Array("__name__".utf8))) + field(4, packed))
        if case .tooManyItems(_, let l)? = writeError(body) { #expect(l == limit) } else { Issue.record("unbounded deltas accepted") }
        let atLimit = field(1, field(1, field(1, Array("__name__".utf8))) + field(4, field(12, [UInt8](repeating: 0, count: limit))))
        #expect(writeError(atLimit) == nil)
    }
}

/// Remote read's SAMPLES answer carries native histograms in `TimeSeries.histograms`.
@Suite("Native histograms in remote read")
struct RemoteReadHistogramTests {
    @Test func responseRoundTripsHistograms() throws {
        let response = ReadResponse(results: [
            [TimeSeriesData(labels: Labels(["__name__": "h"]), samples: [], histograms: awkwardHistograms),
             TimeSeriesData(labels: Labels(["__name__": "mixed"]), samples: [Sample(timestamp: 1, value: 2)],
                            histograms: [awkwardHistograms[2]])],
            [],
        ])
        let decoded = try RemoteReadCodec.decodeResponse(RemoteReadCodec.encodeResponse(response))
        #expect(decoded == response)
        #expect(decoded.results[0][0].histograms.count == awkwardHistograms.count)
        // A different histogram makes the series differ.
        var changed = response
        changed.results[0][1].histograms = [awkwardHistograms[0]]
        #expect(decoded != changed)
    }
}

/// Remote read's STREAMED_XOR_CHUNKS frames.
@Suite("Streamed remote read frames")
struct RemoteReadStreamTests {
    static let frame = ChunkedReadFrame(series: [
        ChunkedSeriesData(labels: Labels(["__name__": "h", "job": "a"]), chunks: [
            EncodedChunk(minTime: -5, maxTime: 100, encoding: .histogram, data: [1, 2, 3]),
            EncodedChunk(minTime: 101, maxTime: 200, encoding: .floatHistogram, data: [4]),
        ]),
        ChunkedSeriesData(labels: Labels(["__name__": "up"]), chunks: [EncodedChunk(minTime: 0, maxTime: 0, encoding: .xor, data: [])]),
    ], queryIndex: 3)

    @Test func framesRoundTripWithTheirChecksums() throws {
        let body = RemoteReadStreamCodec.encodeFrame(Self.frame) + RemoteReadStreamCodec.encodeFrame(ChunkedReadFrame(series: [], queryIndex: 0))
        let frames = try RemoteReadStreamCodec.decodeFrames(body)
        #expect(frames == [Self.frame, ChunkedReadFrame(series: [], queryIndex: 0)])
        // The checksum is the CRC-32C of the message, big-endian, after the uvarint length.
        let single = RemoteReadStreamCodec.encodeFrame(Self.frame)
        let message = Array(single.dropFirst(varintSize(UInt64(single.count - 6)) + 4))
        let crc = CRC32C.checksum(message)
        #expect(Array(single[(single.count - message.count - 4)..<(single.count - message.count)])
                == [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)])
    }

    @Test func corruptFramesAreRefused() {
        var body = RemoteReadStreamCodec.encodeFrame(Self.frame)
        body[body.count - 1] ^= 0xff
        if case .checksumMismatch? = streamError(body) {} else { Issue.record("bad checksum accepted") }
        #expect(streamError(Array(RemoteReadStreamCodec.encodeFrame(Self.frame).dropLast())) != nil)
        // A chunk of an encoding Prometheus does not define (the downsampling aggregate, 0xff).
        let chunk = tag(3, 0) + varint(0xff)
        let message = field(1, field(2, chunk))
        let crc = CRC32C.checksum(message)
        let framed = varint(UInt64(message.count)) + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)] + message
        if case .invalidEnumValue? = streamError(framed) {} else { Issue.record("aggregate chunk accepted") }
    }

    func streamError(_ body: [UInt8]) -> WireError? {
        do {
            _ = try RemoteReadStreamCodec.decodeFrames(body)
            return nil
        } catch {
            return error
        }
    }
}
