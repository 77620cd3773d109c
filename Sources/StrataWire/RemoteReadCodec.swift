import StrataModel

/// Encodes and decodes Prometheus remote-read messages (`ReadRequest`, and `ReadResponse` for
/// the `SAMPLES` response type). Bodies are uncompressed protobuf; snappy is applied by the
/// HTTP layer.
public enum RemoteReadCodec {
    // MARK: ReadRequest

    /// Decodes a decompressed ReadRequest. Matcher types outside 0–3 and strings that are not
    /// UTF-8 are refused; read hints and unknown fields are skipped.
    public static func decodeRequest(_ body: [UInt8]) throws(WireError) -> ReadRequest {
        try withReader(body) { (r: inout ProtoReader) throws(WireError) -> ReadRequest in
            var request = ReadRequest(queries: [])
            while !r.isAtEnd {
                let tag = try r.readTag(.readRequest)
                switch tag.field {
                case ReadRequestField.queries:
                    var sub = try r.subMessage(tag, .readRequest)
                    request.queries.append(try decodeQuery(&sub))
                case ReadRequestField.acceptedResponseTypes:
                    // A repeated enum may arrive packed (proto3's default) or one per tag.
                    if tag.wireType == WireType.lengthDelimited {
                        var packed = try r.subMessage(tag, .readRequest)
                        while !packed.isAtEnd {
                            let v = try packed.readVarint(.readRequest, field: tag.field)
                            request.acceptedResponseTypes.append(enumValue(v))
                        }
                    } else {
                        request.acceptedResponseTypes.append(enumValue(try r.varintField(tag, .readRequest)))
                    }
                default:
                    try r.skip(tag, .readRequest)
                }
            }
            return request
        }
    }

    /// An enum is an int32 on the wire; negative values arrive sign-extended to 64 bits.
    @inline(__always)
    private static func enumValue(_ v: UInt64) -> Int {
        Int(Int32(truncatingIfNeeded: v))
    }

    private static func decodeQuery(_ r: inout ProtoReader) throws(WireError) -> ReadQuery {
        var query = ReadQuery(startTimestampMs: 0, endTimestampMs: 0, matchers: [])
        while !r.isAtEnd {
            let tag = try r.readTag(.query)
            switch tag.field {
            case QueryField.startTimestampMs:
                query.startTimestampMs = Int64(bitPattern: try r.varintField(tag, .query))
            case QueryField.endTimestampMs:
                query.endTimestampMs = Int64(bitPattern: try r.varintField(tag, .query))
            case QueryField.matchers:
                var sub = try r.subMessage(tag, .query)
                query.matchers.append(try decodeMatcher(&sub))
            case QueryField.hints:
                // Step, function, grouping and range hints only help a remote-read server
                // optimise; answering the raw samples is always correct.
                _ = try r.subMessage(tag, .query)
            default:
                try r.skip(tag, .query)
            }
        }
        return query
    }

    private static func decodeMatcher(_ r: inout ProtoReader) throws(WireError) -> WireMatcher {
        var matcher = WireMatcher(type: .equal, name: "", value: "")
        while !r.isAtEnd {
            let tag = try r.readTag(.labelMatcher)
            switch tag.field {
            case LabelMatcherField.type:
                let raw = try r.varintField(tag, .labelMatcher)
                guard raw <= UInt64(UInt8.max), let type = MatchType(rawValue: UInt8(raw)) else {
                    throw .invalidEnumValue(r.location(.labelMatcher, tag.field, tag.offset), value: Int64(bitPattern: raw))
                }
                matcher.type = type
            case LabelMatcherField.name:
                matcher.name = try r.stringField(tag, .labelMatcher)
            case LabelMatcherField.value:
                matcher.value = try r.stringField(tag, .labelMatcher)
            default:
                try r.skip(tag, .labelMatcher)
            }
        }
        return matcher
    }

    /// Encodes a ReadRequest (accepted response types packed, as Prometheus sends them).
    public static func encodeRequest(_ request: ReadRequest) -> [UInt8] {
        var querySizes = ContiguousArray<Int>()
        querySizes.reserveCapacity(request.queries.count)
        var total = 0
        for query in request.queries {
            let size = queryPayloadSize(query)
            querySizes.append(size)
            total += lengthDelimitedSize(field: ReadRequestField.queries, length: size)
        }
        let typesSize = packedTypesSize(request.acceptedResponseTypes)
        if typesSize > 0 {
            total += lengthDelimitedSize(field: ReadRequestField.acceptedResponseTypes, length: typesSize)
        }
        return buildMessage(size: total) { w in
            for (index, query) in request.queries.enumerated() {
                w.writeLengthPrefix(ReadRequestField.queries, querySizes[index])
                if query.startTimestampMs != 0 {
                    w.writeTag(QueryField.startTimestampMs, WireType.varint)
                    w.writeVarint(UInt64(bitPattern: query.startTimestampMs))
                }
                if query.endTimestampMs != 0 {
                    w.writeTag(QueryField.endTimestampMs, WireType.varint)
                    w.writeVarint(UInt64(bitPattern: query.endTimestampMs))
                }
                for m in query.matchers {
                    w.writeLengthPrefix(QueryField.matchers, matcherPayloadSize(m))
                    if m.type.rawValue != 0 {
                        w.writeTag(LabelMatcherField.type, WireType.varint)
                        w.writeVarint(UInt64(m.type.rawValue))
                    }
                    if !m.name.isEmpty {
                        w.writeLengthPrefix(LabelMatcherField.name, m.name.utf8.count)
                        w.writeUTF8(m.name)
                    }
                    if !m.value.isEmpty {
                        w.writeLengthPrefix(LabelMatcherField.value, m.value.utf8.count)
                        w.writeUTF8(m.value)
                    }
                }
            }
            if typesSize > 0 {
                w.writeLengthPrefix(ReadRequestField.acceptedResponseTypes, typesSize)
                for t in request.acceptedResponseTypes { w.writeVarint(enumBits(t)) }
            }
        }
    }

    /// An int32 enum's wire bits: negative values are sign-extended to 64 bits.
    @inline(__always)
    private static func enumBits(_ v: Int) -> UInt64 {
        UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
    }

    private static func packedTypesSize(_ types: [Int]) -> Int {
        var size = 0
        for t in types { size += varintSize(enumBits(t)) }
        return size
    }

    private static func matcherPayloadSize(_ m: WireMatcher) -> Int {
        let name = m.name.utf8.count
        let value = m.value.utf8.count
        return (m.type.rawValue != 0 ? tagSize(LabelMatcherField.type) + varintSize(UInt64(m.type.rawValue)) : 0)
            + (name > 0 ? lengthDelimitedSize(field: LabelMatcherField.name, length: name) : 0)
            + (value > 0 ? lengthDelimitedSize(field: LabelMatcherField.value, length: value) : 0)
    }

    private static func queryPayloadSize(_ q: ReadQuery) -> Int {
        var size = 0
        if q.startTimestampMs != 0 {
            size += tagSize(QueryField.startTimestampMs) + varintSize(UInt64(bitPattern: q.startTimestampMs))
        }
        if q.endTimestampMs != 0 {
            size += tagSize(QueryField.endTimestampMs) + varintSize(UInt64(bitPattern: q.endTimestampMs))
        }
        for m in q.matchers {
            size += lengthDelimitedSize(field: QueryField.matchers, length: matcherPayloadSize(m))
        }
        return size
    }

    // MARK: ReadResponse

    /// Encodes a ReadResponse of type SAMPLES: one QueryResult per entry of `results`.
    public static func encodeResponse(_ response: ReadResponse) -> [UInt8] {
        // Payload sizes of every series (all results, flattened) and of every QueryResult.
        var seriesSizes = ContiguousArray<Int>()
        var resultSizes = ContiguousArray<Int>()
        resultSizes.reserveCapacity(response.results.count)
        var total = 0
        for result in response.results {
            var resultSize = 0
            for series in result {
                let size = timeSeriesPayloadSize(labels: series.labels, samples: series.samples, histograms: series.histograms)
                seriesSizes.append(size)
                resultSize += lengthDelimitedSize(field: QueryResultField.timeseries, length: size)
            }
            resultSizes.append(resultSize)
            total += lengthDelimitedSize(field: ReadResponseField.results, length: resultSize)
        }
        return buildMessage(size: total) { w in
            var seriesIndex = 0
            for (resultIndex, result) in response.results.enumerated() {
                w.writeLengthPrefix(ReadResponseField.results, resultSizes[resultIndex])
                for series in result {
                    w.writeTimeSeriesField(QueryResultField.timeseries, payloadSize: seriesSizes[seriesIndex],
                                           labels: series.labels, samples: series.samples, histograms: series.histograms)
                    seriesIndex += 1
                }
            }
        }
    }

    /// Decodes a decompressed ReadResponse of type SAMPLES. Label strings must be UTF-8;
    /// native histograms are decoded, exemplars and unknown fields skipped.
    public static func decodeResponse(_ body: [UInt8]) throws(WireError) -> ReadResponse {
        try withReader(body) { (r: inout ProtoReader) throws(WireError) -> ReadResponse in
            var response = ReadResponse(results: [])
            while !r.isAtEnd {
                let tag = try r.readTag(.readResponse)
                switch tag.field {
                case ReadResponseField.results:
                    var sub = try r.subMessage(tag, .readResponse)
                    response.results.append(try decodeQueryResult(&sub))
                default:
                    try r.skip(tag, .readResponse)
                }
            }
            return response
        }
    }

    private static func decodeQueryResult(_ r: inout ProtoReader) throws(WireError) -> [TimeSeriesData] {
        var result: [TimeSeriesData] = []
        while !r.isAtEnd {
            let tag = try r.readTag(.queryResult)
            switch tag.field {
            case QueryResultField.timeseries:
                var sub = try r.subMessage(tag, .queryResult)
                result.append(try decodeTimeSeries(&sub))
            default:
                try r.skip(tag, .queryResult)
            }
        }
        return result
    }

    private static func decodeTimeSeries(_ r: inout ProtoReader) throws(WireError) -> TimeSeriesData {
        var labels = ContiguousArray<Label>()
        var samples: [Sample] = []
        var histograms: [HistogramPoint] = []
        while !r.isAtEnd {
            let tag = try r.readTag(.timeSeries)
            switch tag.field {
            case TimeSeriesField.labels:
                var sub = try r.subMessage(tag, .timeSeries)
                labels.append(try decodeLabel(&sub))
            case TimeSeriesField.samples:
                var sub = try r.subMessage(tag, .timeSeries)
                samples.append(try RemoteWriteDecoder.decodeSample(&sub))
            case TimeSeriesField.histograms:
                var sub = try r.subMessage(tag, .timeSeries)
                histograms.append(try HistogramWireCodec.decode(&sub))
            default:
                // Exemplars and unknown fields.
                try r.skip(tag, .timeSeries)
            }
        }
        return TimeSeriesData(labels: Labels(labels), samples: samples, histograms: histograms)
    }

    private static func decodeLabel(_ r: inout ProtoReader) throws(WireError) -> Label {
        var label = Label(name: "", value: "")
        while !r.isAtEnd {
            let tag = try r.readTag(.label)
            switch tag.field {
            case LabelField.name: label.name = try r.stringField(tag, .label)
            case LabelField.value: label.value = try r.stringField(tag, .label)
            default: try r.skip(tag, .label)
            }
        }
        return label
    }

    // MARK: plumbing

    /// Runs `decode` over the body's bytes, carrying the typed error out of `withUnsafeBytes`.
    private static func withReader<T>(_ body: [UInt8],
                                      _ decode: (inout ProtoReader) throws(WireError) -> T) throws(WireError) -> T {
        guard body.count <= ProtoLimits.maxBodySize else {
            throw .bodyTooLarge(size: body.count, limit: ProtoLimits.maxBodySize)
        }
        let result: Result<T, WireError> = body.withUnsafeBytes { raw in
            do throws(WireError) {
                var reader = ProtoReader(raw, codec: .remoteRead)
                return .success(try decode(&reader))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
