import Foundation
import StrataModel
@testable import StrataWire
import Testing

/// The OTLP decoders on well-formed, malformed and hostile bodies.
@Suite struct OTLPDecoderTests {
    /// A request with one gauge point carrying `attributes` built by `value`.
    static func gaugeRequest(pointAttribute value: (inout OTLPProtoBuffer) -> Void = { $0.string(field: 1, "v") }) -> [UInt8] {
        var req = OTLPProtoBuffer()
        req.message(field: 1) { rm in
            rm.message(field: 1) { res in res.message(field: 1) { kv in kv.string(field: 1, "service.name"); kv.message(field: 2) { $0.string(field: 1, "svc") } } }
            rm.message(field: 2) { sm in
                sm.message(field: 2) { m in
                    m.string(field: 1, "g")
                    m.message(field: 5) { g in
                        g.message(field: 1) { p in
                            p.message(field: 7) { kv in kv.string(field: 1, "k"); kv.message(field: 2, value) }
                            p.fixed64(field: 3, 2_000_000)
                            p.double(field: 4, 1.5)
                            p.varint(field: 99, 1) // unknown field: skipped
                        }
                    }
                }
            }
        }
        return req.bytes
    }

    @Test("a gauge request decodes, unknown fields skipped")
    func decodesGauge() throws {
        let r = try OTLPProtobufDecoder.decode(Self.gaugeRequest())
        #expect(r.resources.count == 1)
        #expect(r.resources[0].attributes == [OTLPAttribute("service.name", "svc")])
        guard case .gauge(let points) = r.resources[0].scopes[0].metrics[0].data else { Issue.record("not a gauge"); return }
        #expect(points == [OTLPNumberPoint(attributes: [OTLPAttribute("k", "v")], timeNanos: 2_000_000, value: 1.5)])
    }

    @Test("AnyValue kinds render as pdata's AsString")
    func anyValues() throws {
        func render(_ build: @escaping (inout OTLPProtoBuffer) -> Void) throws -> String {
            let r = try OTLPProtobufDecoder.decode(Self.gaugeRequest(pointAttribute: build))
            guard case .gauge(let p) = r.resources[0].scopes[0].metrics[0].data else { return "" }
            return p[0].attributes[0].value
        }
        #expect(try render { $0.varint(field: 2, 1) } == "true")
        #expect(try render { $0.varint(field: 3, UInt64(bitPattern: -42)) } == "-42")
        #expect(try render { $0.double(field: 4, 2.5) } == "2.5")
        #expect(try render { $0.double(field: 4, 3) } == "3")
        #expect(try render { $0.bytes(field: 7, [1, 2, 3, 255]) } == "AQID/w==")
        #expect(try render { a in a.message(field: 5) { l in l.message(field: 1) { $0.string(field: 1, "x") }; l.message(field: 1) { $0.varint(field: 3, 7) } } } == #"["x",7]"#)
        #expect(try render { a in a.message(field: 6) { l in l.message(field: 1) { kv in kv.string(field: 1, "k"); kv.message(field: 2) { $0.varint(field: 2, 0) } } } } == #"{"k":false}"#)
    }

    @Test("every truncation of a valid body is refused with a located error, never a crash")
    func truncations() {
        let body = Self.gaugeRequest()
        for cut in 1..<body.count {
            #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(Array(body[0..<cut])) }
        }
    }

    @Test("garbage and hostile lengths are refused")
    func garbage() {
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode([0xff, 0xff, 0xff]) }
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(Array("{\"resourceMetrics\":[]}".utf8)) }
        // resource_metrics declaring 2^62 bytes.
        var huge = OTLPProtoBuffer()
        huge.tag(1, WireType.lengthDelimited)
        huge.rawVarint(1 << 62)
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(huge.bytes) }
        // A packed bucket_counts whose length is not a multiple of 8.
        var h = OTLPProtoBuffer()
        h.message(field: 1) { rm in rm.message(field: 2) { sm in sm.message(field: 2) { m in
            m.message(field: 9) { hist in hist.message(field: 1) { p in p.bytes(field: 6, [1, 2, 3]) } }
        } } }
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(h.bytes) }
        // Temporality 7 is not an enum value.
        var t = OTLPProtoBuffer()
        t.message(field: 1) { rm in rm.message(field: 2) { sm in sm.message(field: 2) { m in m.message(field: 7) { $0.varint(field: 2, 7) } } } }
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(t.bytes) }
        // A string attribute key that is not UTF-8.
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(Self.gaugeRequest { $0.bytes(field: 1, [0xc3, 0x28]) }) }
    }

    @Test("AnyValue nesting is bounded")
    func deepAnyValue() {
        func nested(_ depth: Int) -> (inout OTLPProtoBuffer) -> Void {
            { v in
                if depth == 0 { v.string(field: 1, "leaf"); return }
                v.message(field: 5) { $0.message(field: 1, nested(depth - 1)) }
            }
        }
        #expect(throws: Never.self) { try OTLPProtobufDecoder.decode(Self.gaugeRequest(pointAttribute: nested(OTLPLimits.maxNestingDepth))) }
        #expect {
            try OTLPProtobufDecoder.decode(Self.gaugeRequest(pointAttribute: nested(OTLPLimits.maxNestingDepth + 1)))
        } throws: { error in
            if case .nestingTooDeep = error as? WireError { return true }
            return false
        }
    }

    @Test("OTLP/JSON: proto3 mapping, snake_case accepted, errors name the path")
    func json() throws {
        let text = """
        {"resource_metrics":[{"scopeMetrics":[{"metrics":[{"name":"s","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,
         "dataPoints":[{"timeUnixNano":"1000000","asInt":"-3","attributes":[{"key":"b","value":{"boolValue":true}},{"key":"i","value":{"intValue":"12"}}]}]}}]}]}]}
        """
        let r = try OTLPJSONDecoder.decode(Array(text.utf8))
        #expect(r.resources[0].scopes[0].metrics[0].data == .sum([OTLPNumberPoint(attributes: [OTLPAttribute("b", "true"), OTLPAttribute("i", "12")],
                                                                                    timeNanos: 1_000_000, value: -3)],
                                                                  temporality: .cumulative, monotonic: true))
        #expect {
            try OTLPJSONDecoder.decode(Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"x"}]}}]}]}]}"#.utf8))
        } throws: { error in
            "\(error)".contains("resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano")
        }
        #expect(throws: OTLPJSONError.self) { try OTLPJSONDecoder.decode(Array("not json".utf8)) }
        #expect(throws: OTLPJSONError.self) { try OTLPJSONDecoder.decode(Array("[1,2]".utf8)) }
        #expect(throws: OTLPJSONError.self) { try OTLPJSONDecoder.decode(Array(#"{"resourceMetrics":{}}"#.utf8)) }
        #expect(throws: OTLPJSONError.self) { try OTLPJSONDecoder.decode(Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"s","sum":{"aggregationTemporality":9}}]}]}]}"#.utf8)) }
    }

    @Test("OTLP/JSON nesting is refused before parsing")
    func jsonDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try OTLPJSONDecoder.decode(Array(("{\"x\":" + deep + "}").utf8)) } throws: { error in
            "\(error)".contains("deeper than")
        }
        // Brackets inside strings do not count.
        let inString = "{\"resourceMetrics\":[],\"note\":\"" + String(repeating: "[", count: 1000) + "\"}"
        #expect(throws: Never.self) { try OTLPJSONDecoder.decode(Array(inString.utf8)) }
    }

    @Test("response bodies: empty on full success, partial_success otherwise")
    func responses() {
        #expect(OTLPResponseEncoder.exportResponseProtobuf(rejectedDataPoints: 0, errorMessage: "").isEmpty)
        let pb = OTLPResponseEncoder.exportResponseProtobuf(rejectedDataPoints: 2, errorMessage: "no")
        #expect(pb == [0x0a, 6, 0x08, 2, 0x12, 2, 0x6e, 0x6f])
        #expect(String(decoding: OTLPResponseEncoder.exportResponseJSON(rejectedDataPoints: 2, errorMessage: "a\"b"), as: UTF8.self)
                == #"{"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"a\"b"}}"#)
    }
}

extension OTLPDecoderTests {
    @Test("more data points than allowed stop the decoder")
    func pointBound() {
        var req = OTLPProtoBuffer()
        req.message(field: 1) { rm in rm.message(field: 2) { sm in sm.message(field: 2) { m in
            m.message(field: 5) { g in for _ in 0..<10 { g.message(field: 1) { $0.fixed64(field: 3, 1) } } }
        } } }
        #expect(throws: Never.self) { try OTLPProtobufDecoder.decode(req.bytes, maxDataPoints: 10) }
        #expect { try OTLPProtobufDecoder.decode(req.bytes, maxDataPoints: 9) } throws: { error in
            if case .tooManyItems(_, let limit) = error as? WireError { return limit == 9 }
            return false
        }
    }
}
