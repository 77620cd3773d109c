import StrataChunks
import StrataModel
import Testing
@testable import StrataRPC

/// Store-gateway and ingester Select answers carry each chunk's encoding, so histogram chunks
/// reach the querier as histogram chunks.
@Suite struct SelectHistogramCodecTests {
    @Test func histogramAndFloatHistogramChunksRoundTripWithTheirEncoding() throws {
        var ints = HistogramChunk(header: .counterReset)
        _ = ints.append(timestamp: 1000, histogram: Histogram(count: 3, sum: 1.5, positiveSpans: [HistogramSpan(offset: 0, length: 1)],
                                                              positiveBuckets: [3]))
        var floats = FloatHistogramChunk()
        _ = floats.append(timestamp: 2000, histogram: FloatHistogram(counterResetHint: .gauge, count: 2.5, sum: 1,
                                                                     positiveSpans: [HistogramSpan(offset: 0, length: 1)],
                                                                     positiveBuckets: [2.5]))
        var xor = XORChunk()
        xor.append(timestamp: 3000, value: 4)
        let series = [QuerySeries(labels: Labels([Label(name: "__name__", value: "h")]),
                                  chunks: [ints.encoded(), floats.encoded(), xor.encoded()])]
        let bytes: [UInt8] = try SelectResponseSerializer().serialize(series[...])
        let decoded = try SelectResponseDeserializer().deserialize(bytes)
        #expect(decoded == series)
        #expect(decoded.first?.chunks.map(\.encoding) == [.histogram, .floatHistogram, .xor])
        #expect(decoded.first.map { HistogramIterator(bytes: $0.chunks[0].data).header } == .counterReset)
    }
}
