import GRPCCore
import StrataModel
import StrataWire

/// A `strata.CardinalityRequest` as it travels.
struct CardinalityCallRequest: Sendable {
    var tenant: TenantID
    var matchers: [LabelMatcher]
    /// CardinalityIndex: the names to count (empty: every name).
    var labelNames: [String]
    /// ActiveSeries: the most series to answer.
    var limit: Int
    /// The caller's remaining time, ms (0: the server's default).
    var timeoutMs: Int64
}

/// Writes a `strata.CardinalityRequest`.
struct CardinalityRequestSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: CardinalityCallRequest) throws -> Bytes {
        var size = stringFieldSize(field: CardinalityRequestField.tenant, message.tenant.rawValue)
        for m in message.matchers {
            size += lengthDelimitedSize(field: CardinalityRequestField.matchers, length: MatcherCodec.size(m))
        }
        for name in message.labelNames { size += stringFieldSize(field: CardinalityRequestField.labelNames, name) }
        if message.limit != 0 { size += varintFieldSize(field: CardinalityRequestField.limit, value: UInt64(message.limit)) }
        if message.timeoutMs != 0 {
            size += varintFieldSize(field: CardinalityRequestField.timeoutMs, value: UInt64(bitPattern: message.timeoutMs))
        }
        return try serializeMessage(name: CardinalityMessageName.request, size: size) { w in
            w.writeStringField(CardinalityRequestField.tenant, message.tenant.rawValue)
            for m in message.matchers { MatcherCodec.write(m, field: CardinalityRequestField.matchers, to: &w) }
            for name in message.labelNames { w.writeStringField(CardinalityRequestField.labelNames, name) }
            if message.limit != 0 { w.writeVarintField(CardinalityRequestField.limit, UInt64(message.limit)) }
            if message.timeoutMs != 0 { w.writeInt64Field(CardinalityRequestField.timeoutMs, message.timeoutMs) }
        }
    }
}

/// Reads a `strata.CardinalityRequest` on the ingester. Malformed bytes, an invalid tenant or
/// matcher, more than `CardinalityRPCLimits.maxLabelNames` names, a limit outside
/// `1…maxActiveSeries` (ActiveSeries) or a negative timeout are the caller's fault: `invalidArgument`.
struct CardinalityRequestDeserializer: MessageDeserializer {
    /// ActiveSeries needs a limit; CardinalityIndex ignores it.
    let requiresLimit: Bool

    private struct Raw {
        var tenant: String?
        var matchers: [MatcherCodec.Raw] = []
        var labelNames: [String] = []
        var limit: UInt64 = 0
        var timeoutMs: Int64 = 0
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> CardinalityCallRequest {
        let name = CardinalityMessageName.request
        let raw: Raw
        do throws(RPCWireError) {
            raw = try RPCProtoReader.withMessage(serializedMessageBytes, name: name) { r throws(RPCWireError) in
                var raw = Raw()
                while !r.isAtEnd {
                    let tag = try r.readTag()
                    switch tag.field {
                    case CardinalityRequestField.tenant: raw.tenant = try r.stringField(tag)
                    case CardinalityRequestField.matchers:
                        var sub = try r.subMessage(tag, name: RPCMessageName.matcher)
                        raw.matchers.append(try MatcherCodec.read(&sub, offset: tag.offset))
                    case CardinalityRequestField.labelNames:
                        guard raw.labelNames.count < CardinalityRPCLimits.maxLabelNames else {
                            throw r.error(tag.field, tag.offset, "more than \(CardinalityRPCLimits.maxLabelNames) label names")
                        }
                        raw.labelNames.append(try r.stringField(tag))
                    case CardinalityRequestField.limit: raw.limit = try r.varintField(tag)
                    case CardinalityRequestField.timeoutMs: raw.timeoutMs = try r.int64Field(tag)
                    default: try r.skip(tag)
                    }
                }
                return raw
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let tenant = try validatedTenant(raw.tenant, message: name)
        let matchers = try MatcherCodec.validated(raw.matchers, message: name)
        if requiresLimit {
            guard raw.limit >= 1, raw.limit <= UInt64(CardinalityRPCLimits.maxActiveSeries) else {
                throw RPCError(code: .invalidArgument,
                               message: "\(name): limit \(raw.limit) is outside 1…\(CardinalityRPCLimits.maxActiveSeries)")
            }
        }
        guard raw.timeoutMs >= 0 else {
            throw RPCError(code: .invalidArgument, message: "\(name): timeout \(raw.timeoutMs)ms is negative")
        }
        return CardinalityCallRequest(tenant: tenant, matchers: matchers, labelNames: raw.labelNames,
                                      limit: requiresLimit ? Int(raw.limit) : 0, timeoutMs: raw.timeoutMs)
    }
}

/// Sizes of the `strata.CardinalityIndexResponse` encoding, shared by the serializer and the
/// server's bound check.
enum CardinalityIndexEncoding {
    static func valueSize(_ value: String, _ series: Int) -> Int {
        stringFieldSize(field: ValueSeriesField.value, value) + varintFieldSize(field: ValueSeriesField.series, value: UInt64(series))
    }

    static func labelIndexSize(_ name: String, _ values: [String: Int]) -> Int {
        var size = stringFieldSize(field: LabelIndexField.name, name)
        for (value, series) in values {
            size += lengthDelimitedSize(field: LabelIndexField.values, length: valueSize(value, series))
        }
        return size
    }

    /// The whole message's size, in bytes.
    static func size(_ index: CardinalityIndex) -> Int {
        var size = varintFieldSize(field: CardinalityIndexResponseField.numSeries, value: UInt64(index.numSeries))
            + varintFieldSize(field: CardinalityIndexResponseField.chunkCount, value: UInt64(index.chunkCount))
            + varintFieldSize(field: CardinalityIndexResponseField.minTime, value: UInt64(bitPattern: index.minTime))
            + varintFieldSize(field: CardinalityIndexResponseField.maxTime, value: UInt64(bitPattern: index.maxTime))
        for (name, values) in index.labels {
            size += lengthDelimitedSize(field: CardinalityIndexResponseField.labels, length: labelIndexSize(name, values))
        }
        return size
    }
}

/// Writes a `strata.CardinalityIndexResponse`.
struct CardinalityIndexSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: CardinalityIndex) throws -> Bytes {
        try serializeMessage(name: CardinalityMessageName.indexResponse, size: CardinalityIndexEncoding.size(message)) { w in
            w.writeVarintField(CardinalityIndexResponseField.numSeries, UInt64(message.numSeries))
            w.writeVarintField(CardinalityIndexResponseField.chunkCount, UInt64(message.chunkCount))
            w.writeInt64Field(CardinalityIndexResponseField.minTime, message.minTime)
            w.writeInt64Field(CardinalityIndexResponseField.maxTime, message.maxTime)
            for (name, values) in message.labels {
                w.writeLengthPrefix(CardinalityIndexResponseField.labels, CardinalityIndexEncoding.labelIndexSize(name, values))
                w.writeStringField(LabelIndexField.name, name)
                for (value, series) in values {
                    w.writeLengthPrefix(LabelIndexField.values, CardinalityIndexEncoding.valueSize(value, series))
                    w.writeStringField(ValueSeriesField.value, value)
                    w.writeVarintField(ValueSeriesField.series, UInt64(series))
                }
            }
        }
    }
}

/// Reads a `strata.CardinalityIndexResponse` on the querier. A label name sent twice has its
/// values united (counts added).
struct CardinalityIndexDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> CardinalityIndex {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: CardinalityMessageName.indexResponse) { r throws(RPCWireError) in
            var out = CardinalityIndex()
            while !r.isAtEnd {
                let tag = try r.readTag()
                switch tag.field {
                case CardinalityIndexResponseField.numSeries: out.numSeries = try r.countField(tag)
                case CardinalityIndexResponseField.chunkCount: out.chunkCount = try r.countField(tag)
                case CardinalityIndexResponseField.minTime: out.minTime = try r.int64Field(tag)
                case CardinalityIndexResponseField.maxTime: out.maxTime = try r.int64Field(tag)
                case CardinalityIndexResponseField.labels:
                    var sub = try r.subMessage(tag, name: CardinalityMessageName.labelIndex)
                    let (name, values) = try Self.labelIndex(&sub)
                    out.labels[name, default: [:]].merge(values, uniquingKeysWith: +)
                default: try r.skip(tag)
                }
            }
            return out
        }
    }

    private static func labelIndex(_ r: inout RPCProtoReader) throws(RPCWireError) -> (String, [String: Int]) {
        var name = ""
        var values: [String: Int] = [:]
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case LabelIndexField.name: name = try r.stringField(tag)
            case LabelIndexField.values:
                var sub = try r.subMessage(tag, name: CardinalityMessageName.valueSeries)
                var value = ""
                var series = 0
                while !sub.isAtEnd {
                    let t = try sub.readTag()
                    switch t.field {
                    case ValueSeriesField.value: value = try sub.stringField(t)
                    case ValueSeriesField.series: series = try sub.countField(t)
                    default: try sub.skip(t)
                    }
                }
                values[value, default: 0] += series
            default: try r.skip(tag)
            }
        }
        return (name, values)
    }
}

/// Sizes of the `strata.ActiveSeriesResponse` encoding.
enum ActiveSeriesEncoding {
    static func labelSetSize(_ labels: Labels) -> Int {
        var size = 0
        for label in labels {
            size += lengthDelimitedSize(field: LabelSetField.labels, length: SeriesEncoding.labelSize(label))
        }
        return size
    }

    /// The whole message's size, in bytes.
    static func size(_ answer: ActiveSeries) -> Int {
        var size = answer.truncated ? varintFieldSize(field: ActiveSeriesResponseField.truncated, value: 1) : 0
        for labels in answer.series {
            size += lengthDelimitedSize(field: ActiveSeriesResponseField.series, length: labelSetSize(labels))
        }
        return size
    }
}

/// Writes a `strata.ActiveSeriesResponse`.
struct ActiveSeriesSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: ActiveSeries) throws -> Bytes {
        try serializeMessage(name: CardinalityMessageName.activeSeriesResponse, size: ActiveSeriesEncoding.size(message)) { w in
            for labels in message.series {
                w.writeLengthPrefix(ActiveSeriesResponseField.series, ActiveSeriesEncoding.labelSetSize(labels))
                for label in labels {
                    w.writeLengthPrefix(LabelSetField.labels, SeriesEncoding.labelSize(label))
                    w.writeStringField(LabelPairField.name, label.name)
                    w.writeStringField(LabelPairField.value, label.value)
                }
            }
            if message.truncated { w.writeVarintField(ActiveSeriesResponseField.truncated, 1) }
        }
    }
}

/// Reads a `strata.ActiveSeriesResponse` on the querier.
struct ActiveSeriesDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ActiveSeries {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: CardinalityMessageName.activeSeriesResponse) { r throws(RPCWireError) in
            var out = ActiveSeries()
            while !r.isAtEnd {
                let tag = try r.readTag()
                switch tag.field {
                case ActiveSeriesResponseField.series:
                    var sub = try r.subMessage(tag, name: CardinalityMessageName.labelSet)
                    out.series.append(try Self.labelSet(&sub))
                case ActiveSeriesResponseField.truncated: out.truncated = try r.varintField(tag) != 0
                default: try r.skip(tag)
                }
            }
            return out
        }
    }

    private static func labelSet(_ r: inout RPCProtoReader) throws(RPCWireError) -> Labels {
        var labels = ContiguousArray<Label>()
        while !r.isAtEnd {
            let tag = try r.readTag()
            guard tag.field == LabelSetField.labels else {
                try r.skip(tag)
                continue
            }
            var sub = try r.subMessage(tag, name: RPCMessageName.label)
            var label = Label(name: "", value: "")
            while !sub.isAtEnd {
                let t = try sub.readTag()
                switch t.field {
                case LabelPairField.name: label.name = try sub.stringField(t)
                case LabelPairField.value: label.value = try sub.stringField(t)
                default: try sub.skip(t)
                }
            }
            labels.append(label)
        }
        // Sorted by the contract; put in order rather than trusted, since `Labels` equality depends on it.
        return Labels(labels)
    }
}
