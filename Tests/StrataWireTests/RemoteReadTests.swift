import StrataModel
import Testing
@testable import StrataWire

@Suite("Remote read codec")
struct RemoteReadTests {
    func readError(_ body: [UInt8]) -> WireError? {
        do {
            _ = try RemoteReadCodec.decodeRequest(body)
            return nil
        } catch {
            return error
        }
    }

    /// `ReadRequest{queries: [{start: 1, end: 2, matchers: [{type: EQ, name: "a", value: "b"}]}],
    /// accepted_response_types: [SAMPLES]}`, written by hand from the encoding rules.
    static let goldenRequest: [UInt8] = [
        0x0a, 0x0c,             // field 1 (queries), LEN, 12 bytes
        0x08, 0x01,             //   field 1 (start_timestamp_ms) = 1
        0x10, 0x02,             //   field 2 (end_timestamp_ms) = 2
        0x1a, 0x06,             //   field 3 (matchers), LEN, 6 bytes; type EQ = 0 is omitted
        0x12, 0x01, 0x61,       //     field 2 (name) "a"
        0x1a, 0x01, 0x62,       //     field 3 (value) "b"
        0x12, 0x01, 0x00,       // field 2 (accepted_response_types), packed, [0]
    ]

    @Test func requestMatchesHandWrittenGoldenBytes() throws {
        let request = ReadRequest(queries: [ReadQuery(startTimestampMs: 1, endTimestampMs: 2,
                                                      matchers: [WireMatcher(type: .equal, name: "a", value: "b")])],
                                  acceptedResponseTypes: [ReadRequest.samplesResponseType])
        #expect(RemoteReadCodec.encodeRequest(request) == Self.goldenRequest)
        #expect(try RemoteReadCodec.decodeRequest(Self.goldenRequest) == request)
    }

    @Test func requestRoundTrips() throws {
        let request = ReadRequest(queries: [
            ReadQuery(startTimestampMs: -86_400_000, endTimestampMs: Int64.max, matchers: [
                WireMatcher(type: .equal, name: "__name__", value: "up"),
                WireMatcher(type: .notEqual, name: "job", value: ""),
                WireMatcher(type: .regexMatch, name: "city", value: "Zürich|東京.*"),
                WireMatcher(type: .regexNoMatch, name: "", value: ".+"),
            ]),
            ReadQuery(startTimestampMs: 0, endTimestampMs: 0, matchers: []),
            ReadQuery(startTimestampMs: Int64.min, endTimestampMs: -1, matchers: [WireMatcher(type: .equal, name: "a", value: "🙂")]),
        ], acceptedResponseTypes: [1, 0, -1, 300])
        #expect(try RemoteReadCodec.decodeRequest(RemoteReadCodec.encodeRequest(request)) == request)
        let empty = ReadRequest(queries: [])
        #expect(RemoteReadCodec.encodeRequest(empty) == [])
        #expect(try RemoteReadCodec.decodeRequest([]) == empty)
    }

    @Test func acceptsUnpackedResponseTypesHintsAndUnknownFields() throws {
        let hints = tag(1, 0) + varint(15_000) + field(2, Array("rate".utf8)) + tag(3, 0) + varint(1) + tag(4, 0) + varint(2)
        let matcher = unknownFields + tag(1, 0) + varint(2) + field(2, Array("job".utf8)) + field(3, Array("a.*".utf8))
        let query = tag(2, 0) + varint(20) + field(4, hints) + unknownFields + field(3, matcher) + tag(1, 0) + varint(10)
        let body = tag(2, 0) + varint(1) + field(1, query) + unknownFields + tag(2, 0) + varint(0)
        let request = try RemoteReadCodec.decodeRequest(body)
        #expect(request == ReadRequest(queries: [ReadQuery(startTimestampMs: 10, endTimestampMs: 20,
                                                           matchers: [WireMatcher(type: .regexMatch, name: "job", value: "a.*")])],
                                       acceptedResponseTypes: [1, 0]))
    }

    @Test func refusesUnknownMatcherTypeBadUTF8AndWrongWireTypes() {
        guard case .invalidEnumValue(let loc, 7) = readError(field(1, field(3, tag(1, 0) + varint(7)))) else {
            Issue.record("matcher type 7")
            return
        }
        #expect(loc.codec == .remoteRead && loc.message == .labelMatcher && loc.field == 1)
        guard case .invalidEnumValue(_, -1) = readError(field(1, field(3, tag(1, 0) + varint(UInt64.max)))) else {
            Issue.record("matcher type -1")
            return
        }
        guard case .invalidUTF8(let utf8) = readError(field(1, field(3, field(2, [0xc3, 0x28])))) else {
            Issue.record("invalid UTF-8")
            return
        }
        #expect(utf8.message == .labelMatcher && utf8.field == 2)
        guard case .invalidWireType(_, 2, 0) = readError(field(1, field(1, [1]))) else {
            Issue.record("start as LEN")
            return
        }
        guard case .invalidWireType(_, 5, 2) = readError(field(1, tag(4, 5) + [0, 0, 0, 0])) else {
            Issue.record("hints as fixed32")
            return
        }
        guard case .truncated = readError(field(2, [0x80])) else {
            Issue.record("packed varint cut")
            return
        }
    }

    static let awkwardResponse = ReadResponse(results: [
        awkwardSeries.map { TimeSeriesData(labels: $0.labels, samples: $0.samples) },
        [],
        [TimeSeriesData(labels: Labels(["__name__": "up"]), samples: [Sample(timestamp: 5, value: StaleNaN.value)])],
    ])

    @Test func responseRoundTripsIncludingNaNs() throws {
        let body = RemoteReadCodec.encodeResponse(Self.awkwardResponse)
        let decoded = try RemoteReadCodec.decodeResponse(body)
        #expect(decoded == Self.awkwardResponse)
        #expect(StaleNaN.isStale(decoded.results[2][0].samples[0].value))
        #expect(decoded.results[0][1].samples[0].value.isNaN)
        #expect(RemoteReadCodec.encodeResponse(ReadResponse(results: [])) == [])
    }

    @Test func responseTimeSeriesUsesTheWriteEncoding() {
        // QueryResult.timeseries and WriteRequest.timeseries are both field 1 holding TimeSeries,
        // so a one-series result is the write golden body wrapped in a QueryResult.
        let response = ReadResponse(results: [[TimeSeriesData(labels: Labels(["__name__": "up", "job": "a"]),
                                                              samples: [Sample(timestamp: 1000, value: 1)])]])
        let golden = RemoteWriteTests.golden
        #expect(RemoteReadCodec.encodeResponse(response) == [0x0a, UInt8(golden.count)] + golden)
    }

    @Test func timeSeriesDataComparesSamplesBitwise() {
        let a = TimeSeriesData(labels: .empty, samples: [Sample(timestamp: 1, value: .nan)])
        let b = TimeSeriesData(labels: .empty, samples: [Sample(timestamp: 1, value: StaleNaN.value)])
        #expect(a == a)
        #expect(a != b)
        #expect(TimeSeriesData(labels: .empty, samples: [Sample(timestamp: 1, value: 0.0)])
            != TimeSeriesData(labels: .empty, samples: [Sample(timestamp: 1, value: -0.0)]))
    }

    @Test func responseDecoderSkipsExemplarsDecodesHistogramsAndRefusesBadLabels() throws {
        let ts = field(1, field(1, Array("__name__".utf8)) + field(2, Array("x".utf8)))
            + field(3, field(1, field(1, Array("trace".utf8)))) + field(4, tag(1, 0) + varint(1))
            + field(2, tag(2, 0) + varint(9))
        let decoded = try RemoteReadCodec.decodeResponse(field(1, field(1, ts) + unknownFields) + unknownFields)
        // Field 4 is a native histogram with count_int 1.
        #expect(decoded == ReadResponse(results: [[TimeSeriesData(labels: Labels(["__name__": "x"]),
                                                                  samples: [Sample(timestamp: 9, value: 0)],
                                                                  histograms: [HistogramPoint(timestamp: 0, value: .integer(Histogram(count: 1)))])]]))
        #expect(throws: WireError.self) {
            try RemoteReadCodec.decodeResponse(field(1, field(1, field(1, field(2, [0xff])))))
        }
        #expect(throws: WireError.self) { try RemoteReadCodec.decodeResponse([0x0a, 0x05, 0x0a]) }
    }
}
