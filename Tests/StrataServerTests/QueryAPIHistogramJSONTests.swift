import NIOCore
import StrataModel
@testable import StrataHTTP
import StrataPromQL
import Testing

/// Native histograms in `/query` and `/query_range` answers, byte for byte as Prometheus's
/// `jsonutil.MarshalHistogram` writes them.
@Suite struct QueryAPIHistogramJSONTests {
    /// Schema 0: positive bucket i is (2^(i-1), 2^i], negative bucket i is [-2^i, -2^(i-1)).
    static let histogram = FloatHistogram(
        schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 7, sum: 5,
        positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: [1, 0, 3],
        negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [2])

    static let histogramJSON =
        #"{"count":"7","sum":"5","buckets":[[1,"-1","-0.5","2"],[3,"-0.001","0.001","1"],[0,"0.5","1","1"],[0,"2","4","3"]]}"#

    @Test("a vector sample with a histogram is written as `histogram`, empty buckets left out")
    func vector() {
        var w = JSONWriter()
        w.queryData(.vector([VectorSample(metric: Labels(["__name__": "h"]), t: 1500, h: Self.histogram),
                             VectorSample(metric: Labels(["__name__": "f"]), t: 1500, f: 2)]))
        #expect(String(buffer: w.buffer)
            == #"{"resultType":"vector","result":[{"metric":{"__name__":"h"},"histogram":[1.500,"# + Self.histogramJSON
            + #"]},{"metric":{"__name__":"f"},"value":[1.500,"2"]}]}"#)
    }

    @Test("a matrix series writes `values` and `histograms`, each only when it has points of that kind")
    func matrix() {
        var w = JSONWriter()
        w.queryData(.matrix([
            SeriesResult(metric: Labels(["a": "b"]), floats: [FPoint(t: 1000, f: 1)], histograms: [HPoint(t: 2000, h: Self.histogram)]),
            SeriesResult(metric: Labels(["a": "c"]), floats: [], histograms: [HPoint(t: 3000, h: FloatHistogram(count: 0, sum: 0))]),
        ]))
        #expect(String(buffer: w.buffer)
            == #"{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"1"]],"histograms":[[2,"# + Self.histogramJSON
            + #"]]},{"metric":{"a":"c"},"histograms":[[3,{"count":"0","sum":"0"}]]}]}"#)
    }

    /// As Prometheus's iterators: a bound below zero belongs to its bucket on the lower side, one
    /// above zero on the upper side, so `(-Inf, 1]` is closed on both sides (rule 3).
    @Test("custom buckets: the first bucket starts at -Inf, the last ends at +Inf")
    func customBuckets() {
        var w = JSONWriter()
        w.histogram(FloatHistogram(schema: HistogramSchema.customBuckets, count: 6, sum: 3,
                                   positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: [1, 2, 3],
                                   customValues: [1, 5]))
        #expect(String(buffer: w.buffer)
            == #"{"count":"6","sum":"3","buckets":[[3,"-Inf","1","1"],[0,"1","5","2"],[0,"5","+Inf","3"]]}"#)
    }
}
