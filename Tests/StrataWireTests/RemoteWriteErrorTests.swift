import StrataModel
import Testing
@testable import StrataWire

@Suite("Remote write 1.0: malformed bodies")
struct RemoteWriteErrorTests {
    @Test func everyTruncationIsAnErrorOrAShorterValidRequest() throws {
        let body = RemoteWriteEncoder.encode(series: awkwardSeries)
        // The top-level boundaries where a cut leaves a complete (shorter) request.
        var boundaries: Set<Int> = [0]
        var reader = 0
        while reader < body.count {
            let lengthStart = reader + 1
            var length = 0, shift = 0, p = lengthStart
            while true {
                length |= Int(body[p] & 0x7f) << shift
                p += 1
                if body[p - 1] < 0x80 { break }
                shift += 7
            }
            reader = p + length
            boundaries.insert(reader)
        }
        for cut in 0..<body.count {
            let error = writeError(Array(body[..<cut]))
            if boundaries.contains(cut) {
                #expect(error == nil, "cut at \(cut)")
            } else {
                #expect(error != nil, "cut at \(cut) decoded")
            }
        }
    }

    @Test func truncatedFieldNamesFieldMessageAndOffset() {
        // A sample whose fixed64 value is cut short, inside a complete TimeSeries.
        let body = field(1, field(2, tag(1, 1) + [0, 0, 0]))
        guard case .truncated(let loc) = writeError(body) else {
            Issue.record("expected truncated, got \(String(describing: writeError(body)))")
            return
        }
        #expect(loc == WireLocation(codec: .remoteWrite, message: .sample, field: 1, offset: 4))
        let message = WireError.truncated(loc).description
        #expect(message.hasPrefix("malformed remote-write protobuf: field 1 of Sample at byte 4 is truncated"))
    }

    @Test func lengthPastTheEndIsRefused() {
        // TimeSeries claims 100 bytes, 2 follow.
        let body: [UInt8] = [0x0a, 100, 0x0a, 0x00]
        guard case .lengthOutOfBounds(let loc, let length, let remaining) = writeError(body) else {
            Issue.record("expected lengthOutOfBounds")
            return
        }
        #expect(loc.message == .writeRequest && loc.field == 1 && loc.offset == 0)
        #expect(length == 100 && remaining == 2)
        // A nested length may not escape its parent even when the body has more bytes.
        let nested: [UInt8] = [0x0a, 0x02, 0x0a, 0x05] + [0, 0, 0, 0, 0]
        guard case .lengthOutOfBounds(let inner, _, _) = writeError(nested) else {
            Issue.record("expected nested lengthOutOfBounds")
            return
        }
        #expect(inner.message == .timeSeries)
        // A length near 2^64 does not wrap.
        let huge = tag(1, 2) + varint(UInt64.max)
        guard case .lengthOutOfBounds = writeError(huge) else {
            Issue.record("expected lengthOutOfBounds for 2^64-1")
            return
        }
    }

    @Test func knownFieldWithWrongWireTypeIsRefused() {
        let cases: [([UInt8], WireMessage, Int, UInt8)] = [
            (tag(1, 0) + varint(1), .writeRequest, 1, 2),                          // timeseries as varint
            (tag(3, 5) + [0, 0, 0, 0], .writeRequest, 3, 2),                      // metadata as fixed32
            (field(1, tag(1, 1) + [0, 0, 0, 0, 0, 0, 0, 0]), .timeSeries, 1, 2),    // labels as fixed64
            (field(1, field(2, tag(1, 0) + varint(1))), .sample, 1, 1),            // value as varint
            (field(1, field(2, tag(2, 1) + [0, 0, 0, 0, 0, 0, 0, 0])), .sample, 2, 0), // timestamp as fixed64
            (field(1, field(1, tag(1, 0) + varint(1))), .label, 1, 2),             // name as varint
        ]
        for (body, message, fieldNumber, expected) in cases {
            guard case .invalidWireType(let loc, _, let want) = writeError(body) else {
                Issue.record("expected invalidWireType for \(body)")
                continue
            }
            #expect(loc.message == message && loc.field == fieldNumber && want == expected)
        }
    }

    @Test func malformedTagsAndVarintsAreRefused() {
        // Wire types 6 and 7 do not exist.
        guard case .invalidWireType(_, 7, nil) = writeError([0x0f]) else { Issue.record("wire type 7"); return }
        guard case .invalidWireType(_, 6, nil) = writeError([0x0e]) else { Issue.record("wire type 6"); return }
        // Field 0.
        guard case .invalidFieldNumber(_, 2) = writeError([0x02, 0x00]) else { Issue.record("field 0"); return }
        // Field number above 2^29-1.
        guard case .invalidFieldNumber = writeError(varint(UInt64(1) << 32 | 2) + [0]) else { Issue.record("field 2^29"); return }
        // Eleven-byte varint, and a ten-byte one with bits beyond 64.
        let eleven = [UInt8](repeating: 0x80, count: 10) + [0x01]
        guard case .varintOverflow = writeError(field(1, field(2, tag(2, 0) + eleven))) else { Issue.record("11 bytes"); return }
        let wide = [UInt8](repeating: 0xff, count: 9) + [0x02]
        guard case .varintOverflow = writeError(field(1, field(2, tag(2, 0) + wide))) else { Issue.record("65 bits"); return }
        // A varint cut by the end of its message.
        guard case .truncated = writeError([0x0a, 0x01, 0x12]) else { Issue.record("cut varint"); return }
        guard case .truncated = writeError([0x8a]) else { Issue.record("cut tag"); return }
    }

    @Test func groupsAreSkippedButMustBalanceAndStayShallow() {
        // A stray end-group.
        guard case .unexpectedEndGroup = writeError(tag(9, 4)) else { Issue.record("stray end group"); return }
        // A group closed with the wrong field number.
        guard case .unexpectedEndGroup = writeError(tag(9, 3) + tag(8, 4)) else { Issue.record("mismatched group"); return }
        // An unterminated group.
        guard case .truncated = writeError(tag(9, 3) + tag(1, 0) + [1]) else { Issue.record("open group"); return }
        // Nesting deeper than the limit.
        let depth = ProtoLimits.maxGroupDepth + 5
        var deep: [UInt8] = []
        for _ in 0..<depth { deep += tag(9, 3) }
        for _ in 0..<depth { deep += tag(9, 4) }
        guard case .nestingTooDeep(_, let limit) = writeError(deep) else { Issue.record("deep groups"); return }
        #expect(limit == ProtoLimits.maxGroupDepth)
        // Within the limit it is fine.
        var shallow: [UInt8] = []
        for _ in 0..<10 { shallow += tag(9, 3) }
        for _ in 0..<10 { shallow += tag(9, 4) }
        #expect(writeError(shallow) == nil)
    }

    @Test func errorMessagesAreActionable() {
        let loc = WireLocation(codec: .remoteWrite, message: .timeSeries, field: 2, offset: 1234)
        #expect(WireError.truncated(loc).description
            .hasPrefix("malformed remote-write protobuf: field 2 of TimeSeries at byte 1234 is truncated"))
        #expect(WireError.invalidWireType(loc, found: 0, expected: 2).description.contains("wire type 0"))
        #expect(WireError.lengthOutOfBounds(loc, length: 99, remaining: 3).description.contains("99 bytes but only 3 remain"))
        let tagLoc = WireLocation(codec: .remoteRead, message: .query, field: 0, offset: 7)
        #expect(WireError.varintOverflow(tagLoc).description.hasPrefix("malformed remote-read protobuf: a tag of Query at byte 7"))
        #expect(WireError.bodyTooLarge(size: 10, limit: 5).description.contains("10 bytes"))
    }
}
