import StrataModel
import Testing
@testable import StrataWire

@Suite("Remote write 1.0 codec")
struct RemoteWriteTests {
    /// `WriteRequest{timeseries: [{labels: [__name__="up", job="a"], samples: [{value: 1, timestamp: 1000}]}]}`,
    /// written byte by byte from the protobuf encoding rules, not by the encoder.
    static let golden: [UInt8] = [
        0x0a, 0x28,                                             // field 1 (timeseries), LEN, 40 bytes
        0x0a, 0x0e,                                             //   field 1 (labels), LEN, 14 bytes
        0x0a, 0x08, 0x5f, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x5f, 0x5f, //     name "__name__"
        0x12, 0x02, 0x75, 0x70,                                 //     value "up"
        0x0a, 0x08,                                             //   field 1 (labels), LEN, 8 bytes
        0x0a, 0x03, 0x6a, 0x6f, 0x62,                           //     name "job"
        0x12, 0x01, 0x61,                                       //     value "a"
        0x12, 0x0c,                                             //   field 2 (samples), LEN, 12 bytes
        0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f,   //     field 1 (value), I64, 1.0
        0x10, 0xe8, 0x07,                                       //     field 2 (timestamp), VARINT, 1000
    ]
    static let goldenSeries = [PlainSeries(labels: [Label(name: "__name__", value: "up"), Label(name: "job", value: "a")],
                                           samples: [Sample(timestamp: 1000, value: 1)])]

    @Test func encoderMatchesHandWrittenGoldenBytes() {
        let series = [(labels: Labels(["__name__": "up", "job": "a"]), samples: [Sample(timestamp: 1000, value: 1)])]
        #expect(RemoteWriteEncoder.encode(series: series) == Self.golden)
        var batch = SeriesBatch()
        batch.append(labels: series[0].labels, samples: series[0].samples)
        #expect(RemoteWriteEncoder.encode(batch) == Self.golden)
    }

    @Test func decodesHandWrittenGoldenBytes() throws {
        let batch = try RemoteWriteDecoder.decode(Self.golden)
        #expect(plain(batch) == Self.goldenSeries)
        #expect(batch.metadataCount == 0)
        #expect(batch.sampleCount == 1)
    }

    @Test func roundTripsAwkwardValues() throws {
        let body = RemoteWriteEncoder.encode(series: awkwardSeries)
        let batch = try RemoteWriteDecoder.decode(body)
        #expect(batch.series.count == awkwardSeries.count)
        for (index, original) in awkwardSeries.enumerated() {
            #expect(batch.labels(of: index) == original.labels)
            #expect(batch.stableHash(of: index) == original.labels.stableHash)
            let decoded = Array(batch.samples(of: index))
            #expect(decoded.count == original.samples.count)
            for (a, b) in zip(decoded, original.samples) {
                #expect(a.isIdentical(to: b), "\(a) vs \(b)")
            }
        }
        // The staleness marker keeps its exact bit pattern.
        #expect(StaleNaN.isStale(batch.samples(of: 1)[batch.samples(of: 1).startIndex + 1].value))
        #expect(batch.samples(of: 1)[batch.samples(of: 1).startIndex + 4].value.sign == .minus)
    }

    @Test func batchEncodingRoundTripsAndIsStable() throws {
        var batch = SeriesBatch()
        for s in awkwardSeries { batch.append(labels: s.labels, samples: s.samples) }
        let body = RemoteWriteEncoder.encode(batch)
        #expect(body == RemoteWriteEncoder.encode(series: awkwardSeries))
        let decoded = try RemoteWriteDecoder.decode(body)
        #expect(plain(decoded) == plain(batch))
        // Re-encoding the decoded batch reproduces the same bytes.
        #expect(RemoteWriteEncoder.encode(decoded) == body)
    }

    @Test func encodesOnlyTheKeptSeriesOfAFilteredBatch() throws {
        var batch = SeriesBatch()
        for s in awkwardSeries { batch.append(labels: s.labels, samples: s.samples) }
        let kept = batch.keeping(series: [4, 0])
        let decoded = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(kept))
        #expect(plain(decoded) == plain(kept))
        #expect(decoded.labels(of: 0) == awkwardSeries[4].labels)
    }

    @Test func decodedBatchSharesTheBodyInsteadOfCopyingIt() throws {
        let body = RemoteWriteEncoder.encode(series: awkwardSeries)
        let batch = try RemoteWriteDecoder.decode(body)
        let bodyBase = body.withUnsafeBufferPointer { $0.baseAddress }
        let batchBase = batch.buffer.withUnsafeBufferPointer { $0.baseAddress }
        #expect(bodyBase == batchBase)
        #expect(refsInBounds(batch))
    }

    @Test func emptyBodyIsAnEmptyRequest() throws {
        let batch = try RemoteWriteDecoder.decode([])
        #expect(batch.series.isEmpty)
        #expect(RemoteWriteEncoder.encode(series: []) == [])
        #expect(RemoteWriteEncoder.encode(SeriesBatch()) == [])
    }

    @Test func skipsUnknownFieldsAtEveryLevel() throws {
        let label1 = unknownFields + field(1, Array("__name__".utf8)) + unknownFields + field(2, Array("up".utf8)) + unknownFields
        let label2 = field(1, Array("job".utf8)) + field(2, Array("a".utf8)) + unknownFields
        let sample = unknownFields + tag(1, 1) + [0, 0, 0, 0, 0, 0, 0xf0, 0x3f] + unknownFields + tag(2, 0) + varint(1000) + unknownFields
        let ts = unknownFields + field(1, label1) + unknownFields + field(1, label2) + field(2, sample) + unknownFields
        let body = unknownFields + field(1, ts) + unknownFields + tag(2, 0) + varint(5)
        let batch = try RemoteWriteDecoder.decode(body)
        #expect(plain(batch) == Self.goldenSeries)
    }

    @Test func acceptsFieldsInAnyOrderAndInterleaved() throws {
        // Value before name, samples between labels, timestamp before value.
        let label1 = field(2, Array("up".utf8)) + field(1, Array("__name__".utf8))
        let label2 = field(2, Array("a".utf8)) + field(1, Array("job".utf8))
        let s1 = tag(2, 0) + varint(1000) + tag(1, 1) + [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]
        let s2 = tag(2, 0) + varint(2000)
        let ts = field(2, s1) + field(1, label1) + field(2, s2) + field(1, label2)
        let batch = try RemoteWriteDecoder.decode(field(1, ts) + field(1, ts))
        let expected = PlainSeries(labels: Self.goldenSeries[0].labels,
                                   samples: [Sample(timestamp: 1000, value: 1), Sample(timestamp: 2000, value: 0)])
        #expect(plain(batch) == [expected, expected])
    }

    @Test func laterScalarFieldReplacesEarlierOne() throws {
        let label = field(1, Array("old".utf8)) + field(2, Array("v".utf8)) + field(1, Array("new".utf8))
        let sample = tag(2, 0) + varint(1) + tag(2, 0) + varint(2)
        let batch = try RemoteWriteDecoder.decode(field(1, field(1, label) + field(2, sample)))
        #expect(plain(batch) == [PlainSeries(labels: [Label(name: "new", value: "v")], samples: [Sample(timestamp: 2, value: 0)])])
    }

    @Test func nonMinimalVarintsAreAccepted() throws {
        // 1000 padded to 10 bytes, and a label length padded to 2 bytes.
        let ts = [UInt8]([0xe8, 0x87, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])
        let sample = tag(2, 0) + ts
        let label = tag(1, 2) + [0x01 | 0x80, 0x00] + Array("a".utf8)
        let batch = try RemoteWriteDecoder.decode(field(1, field(1, label) + field(2, sample)))
        #expect(plain(batch) == [PlainSeries(labels: [Label(name: "a", value: "")], samples: [Sample(timestamp: 1000, value: 0)])])
    }

    @Test func countsExemplarsHistogramsAndMetadata() throws {
        let exemplar = field(1, field(1, Array("trace_id".utf8)) + field(2, Array("abc".utf8))) + tag(2, 1) + [0, 0, 0, 0, 0, 0, 0, 0]
        let histogram = tag(1, 0) + varint(3)
        let ts = field(1, field(1, Array("__name__".utf8)) + field(2, Array("x".utf8)))
            + field(3, exemplar) + field(2, tag(2, 0) + varint(5)) + field(3, exemplar) + field(4, histogram)
        let metadata = tag(1, 0) + varint(1) + field(2, Array("x".utf8))
        let body = field(3, metadata) + field(1, ts) + field(3, metadata) + field(1, field(1, field(1, Array("y".utf8))))
        let batch = try RemoteWriteDecoder.decode(body)
        #expect(batch.metadataCount == 2)
        #expect(batch.series.count == 2)
        #expect(batch.series[0].exemplarCount == 2)
        #expect(batch.series[0].histogramCount == 1)
        #expect(batch.series[0].sampleCount == 1)
        #expect(batch.series[1].exemplarCount == 0)
        #expect(batch.series[1].histogramCount == 0)
    }

    @Test func decodedLabelsMatchOriginalAndHashesAgree() throws {
        var series: [(labels: Labels, samples: [Sample])] = []
        for i in 0..<300 {
            series.append((Labels(["__name__": "m\(i % 7)", "pod": "p-\(i)", "zone": i % 2 == 0 ? "a" : "ü-\(i)"]),
                           [Sample(timestamp: Int64(i), value: Double(i))]))
        }
        let batch = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(series: series))
        for (index, s) in series.enumerated() {
            #expect(batch.labels(of: index) == s.labels)
            #expect(batch.stableHash(of: index) == s.labels.stableHash)
            #expect(batch.labelValue(series: index, named: "pod") == "p-\(index)")
        }
    }
}
