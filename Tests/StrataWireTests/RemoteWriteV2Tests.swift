import StrataModel
import StrataTestSupport
import Testing
@testable import StrataWire

/// Remote write 2.0 (`io.prometheus.write.v2.Request`) decoding, from bodies written byte by
/// byte by `RemoteWriteV2TestEncoder` and by hand.
@Suite("Remote write 2.0 decoder")
struct RemoteWriteV2Tests {
    static let series: [RW2TestSeries] = [
        RW2TestSeries(labels: [("__name__", "http_requests_total"), ("job", "api"), ("path", "/ü")],
                      samples: [(1_764_000_000_000, 1), (1_764_000_015_000, 2.5)],
                      exemplars: [(labels: [("trace_id", "abc123")], value: 2.5, timestamp: 1_764_000_015_000)],
                      metadata: (type: 1, help: "Requests served.", unit: ""), createdTimestamp: 1_763_999_000_000),
        RW2TestSeries(labels: [("__name__", "http_requests_total"), ("job", "api"), ("path", "/x")],
                      samples: [(1_764_000_000_000, .nan)],
                      metadata: (type: 1, help: "Requests served.", unit: "")),
        RW2TestSeries(labels: [("__name__", "latency_seconds"), ("job", "api")], metadata: (type: 3, help: "", unit: "seconds"),
                      histograms: 2),
        RW2TestSeries(labels: [("__name__", "up"), ("job", "api")], samples: [(-5, 0)], metadata: (type: 0, help: "", unit: "")),
    ]

    @Test(arguments: [true, false])
    func decodesSeriesSamplesExemplarsAndMetadata(packed: Bool) throws {
        let body = RemoteWriteV2TestEncoder.encode(Self.series, packedRefs: packed)
        let request = try RemoteWriteV2Decoder.decode(body)
        let got = plain(request.batch)
        #expect(got.map(\.labels) == Self.series.map { $0.labels.map { Label(name: $0.name, value: $0.value) } })
        #expect(got[0].samples.map(\.timestamp) == [1_764_000_000_000, 1_764_000_015_000])
        #expect(got[0].samples.map(\.value) == [1, 2.5])
        #expect(got[1].samples.first?.value.isNaN == true)
        #expect(got[3].samples.map(\.timestamp) == [-5])
        // Histograms and exemplars are counted per series, as 1.0 counts them.
        #expect(got.map(\.histograms) == [0, 0, 2, 0])
        #expect(got.map(\.exemplars) == [1, 0, 0, 0])
        #expect(refsInBounds(request.batch))

        #expect(request.extras.exemplars == [SeriesExemplars(
            seriesLabels: Labels(["__name__": "http_requests_total", "job": "api", "path": "/ü"]),
            exemplars: [Exemplar(labels: Labels(["trace_id": "abc123"]), value: 2.5, timestamp: 1_764_000_015_000)])])
        // Identical metadata of two series is kept once; an all-empty one not at all.
        #expect(request.extras.metadata == [
            MetricMetadata(metricFamilyName: "http_requests_total", type: .counter, help: "Requests served.", unit: ""),
            MetricMetadata(metricFamilyName: "latency_seconds", type: .histogram, help: "", unit: "seconds"),
        ])
        #expect(request.batch.metadataCount == 2)
    }

    @Test func labelRefsPointAtSharedSymbolBytes() throws {
        let body = RemoteWriteV2TestEncoder.encode(Array(Self.series.prefix(2)))
        let batch = try RemoteWriteV2Decoder.decode(body).batch
        // Both series' `job="api"` labels are the same symbol bytes: nothing was copied.
        #expect(batch.labels[1] == batch.labels[4])
    }

    @Test func symbolsMayFollowTheSeries() throws {
        let ordered = RemoteWriteV2TestEncoder.encode(Array(Self.series.prefix(1)))
        // Split symbols (field 4) from series (field 5) and put the series first.
        var symbols: [UInt8] = [], timeseries: [UInt8] = []
        var i = 0
        while i < ordered.count {
            let field = Int(ordered[i] >> 3)
            var length = 0, shift = 0, j = i + 1
            while true {
                let b = ordered[j]; j += 1
                length |= Int(b & 0x7f) << shift
                if b < 0x80 { break }
                shift += 7
            }
            let chunk = Array(ordered[i..<(j + length)])
            if field == 4 { symbols += chunk } else { timeseries += chunk }
            i = j + length
        }
        let a = try RemoteWriteV2Decoder.decode(ordered)
        let b = try RemoteWriteV2Decoder.decode(timeseries + symbols)
        #expect(plain(a.batch) == plain(b.batch))
        #expect(a.extras == b.extras)
    }

    @Test func aRemoteWrite1BodyDecodesAsEmpty() throws {
        // Fields 1-3 are reserved in v2 so a misdeclared 1.0 body is deterministic: empty.
        let request = try RemoteWriteV2Decoder.decode(RemoteWriteTests.golden)
        #expect(request.batch.series.isEmpty && request.extras.isEmpty)
    }

    @Test func outOfRangeSymbolRefIsRefused() {
        let body = field(4, []) + field(4, Array("a".utf8)) + field(5, field(1, varint(0) + varint(2)))
        guard case .symbolRefOutOfRange(let loc, let ref, let symbols)? = v2Error(body) else {
            Issue.record("expected symbolRefOutOfRange, got \(String(describing: v2Error(body)))")
            return
        }
        #expect(ref == 2 && symbols == 2)
        #expect(loc.codec == .remoteWriteV2 && loc.message == .v2TimeSeries && loc.field == 1)
        #expect(v2Error(body)?.description.contains("symbols table has 2 entries") == true)
    }

    @Test func oddLabelRefCountIsRefused() {
        let body = field(4, []) + field(4, Array("a".utf8)) + field(5, field(1, varint(1) + varint(1) + varint(1)))
        guard case .oddLabelRefCount(_, let count)? = v2Error(body) else {
            Issue.record("expected oddLabelRefCount, got \(String(describing: v2Error(body)))")
            return
        }
        #expect(count == 3)
        // Unpacked refs are counted across fields.
        let unpacked = field(4, []) + field(5, tag(1, 0) + varint(0))
        if case .oddLabelRefCount? = v2Error(unpacked) {} else { Issue.record("unpacked odd count accepted") }
    }

    @Test func badExemplarAndMetadataRefsAreRefused() {
        let exemplar = field(4, []) + field(4, Array("n".utf8))
            + field(5, field(1, varint(1) + varint(1)) + field(4, field(1, varint(1) + varint(9))))
        if case .symbolRefOutOfRange(let loc, 9, 2)? = v2Error(exemplar) {
            #expect(loc.message == .v2Exemplar)
        } else {
            Issue.record("exemplar ref accepted: \(String(describing: v2Error(exemplar)))")
        }
        let oddExemplar = field(4, []) + field(5, field(4, field(1, varint(0))))
        if case .oddLabelRefCount? = v2Error(oddExemplar) {} else { Issue.record("odd exemplar refs accepted") }
        let help = field(4, []) + field(5, field(5, tag(3, 0) + varint(7)))
        if case .symbolRefOutOfRange(let loc, 7, 1)? = v2Error(help) {
            #expect(loc.message == .v2Metadata && loc.field == 3)
        } else {
            Issue.record("help_ref accepted: \(String(describing: v2Error(help)))")
        }
        let unit = field(4, []) + field(5, field(5, tag(4, 0) + varint(1)))
        if case .symbolRefOutOfRange? = v2Error(unit) {} else { Issue.record("unit_ref accepted") }
    }

    @Test func wrongWireTypesAreRefused() {
        // labels_refs as fixed64, created_timestamp as a string, a sample as a varint.
        for ts in [tag(1, 1) + [0, 0, 0, 0, 0, 0, 0, 0], field(6, [1]), tag(2, 0) + varint(1)] {
            let body = field(4, []) + field(5, ts)
            guard case .invalidWireType? = v2Error(body) else {
                Issue.record("expected invalidWireType for \(ts), got \(String(describing: v2Error(body)))")
                continue
            }
        }
    }

    @Test func invalidUTF8InExemplarLabelsIsRefused() {
        let body = field(4, []) + field(4, [0xff, 0xfe]) + field(5, field(4, field(1, varint(1) + varint(1))))
        guard case .invalidUTF8(let loc)? = v2Error(body) else {
            Issue.record("expected invalidUTF8, got \(String(describing: v2Error(body)))")
            return
        }
        #expect(loc.message == .v2Exemplar)
    }

    @Test func truncatedBodiesAreRefusedAtEveryLength() {
        let body = RemoteWriteV2TestEncoder.encode(Self.series)
        var refused = 0
        for n in 0..<body.count {
            if v2Error(Array(body.prefix(n))) != nil { refused += 1 }
        }
        // Some prefixes end exactly between top-level fields and are valid, shorter requests.
        #expect(refused > body.count / 2)
    }

    @Test func remoteWrite1ExemplarsAndMetadataAreDecodedOnDemand() throws {
        let label = { (n: String, v: String) in field(1, Array(n.utf8)) + field(2, Array(v.utf8)) }
        let exemplar = field(1, label("trace_id", "t1")) + tag(2, 1) + [0, 0, 0, 0, 0, 0, 0xf0, 0x3f] + tag(3, 0) + varint(1000)
        let series = field(1, label("__name__", "up")) + field(1, label("job", "a"))
            + field(2, tag(1, 1) + [0, 0, 0, 0, 0, 0, 0xf0, 0x3f] + tag(2, 0) + varint(1000)) + field(3, exemplar)
        let metadata = tag(1, 0) + varint(2) + field(2, Array("up".utf8)) + field(4, Array("Up or not.".utf8)) + field(5, Array("".utf8))
        let body = field(1, series) + field(1, field(1, label("__name__", "plain"))) + field(3, metadata) + field(3, metadata)
        let batch = try RemoteWriteDecoder.decode(body)
        #expect(batch.carriesExemplarsOrMetadata)
        let extras = try RemoteWriteExtrasDecoder.decode(body)
        #expect(extras.exemplars == [SeriesExemplars(seriesLabels: Labels(["__name__": "up", "job": "a"]),
                                                     exemplars: [Exemplar(labels: Labels(["trace_id": "t1"]), value: 1, timestamp: 1000)])])
        #expect(extras.metadata == [MetricMetadata(metricFamilyName: "up", type: .gauge, help: "Up or not.", unit: "")])
        #expect(try RemoteWriteDecoder.decode(RemoteWriteTests.golden).carriesExemplarsOrMetadata == false)
    }
}

/// The error a v2 decode throws, or nil when it succeeds.
func v2Error(_ body: [UInt8]) -> WireError? {
    do {
        _ = try RemoteWriteV2Decoder.decode(body)
        return nil
    } catch {
        return error
    }
}
