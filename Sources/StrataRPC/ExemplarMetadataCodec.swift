import GRPCCore
import StrataModel
import StrataWire

// Codecs of `strata.Ingester/Exemplars` and `strata.Ingester/Metadata` (docs/format/rpc.md).
// Requests are the caller's to get right (`invalidArgument` on the ingester); responses the
// ingester's (`internalError` on the querier).

extension RPCProtoReader {
    /// A `double` field: 8 little-endian bytes.
    mutating func doubleField(_ tag: ProtoTag) throws(RPCWireError) -> Double {
        try expect(tag, WireType.fixed64)
        guard end - position >= 8 else { throw error(tag.field, tag.offset, "the message ends inside a fixed64") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: bits)
    }

    /// A `strata.Label` message.
    mutating func labelMessage(_ tag: ProtoTag) throws(RPCWireError) -> Label {
        var r = try subMessage(tag, name: RPCMessageName.label)
        var label = Label(name: "", value: "")
        while !r.isAtEnd {
            let inner = try r.readTag()
            switch inner.field {
            case LabelPairField.name: label.name = try r.stringField(inner)
            case LabelPairField.value: label.value = try r.stringField(inner)
            default: try r.skip(inner)
            }
        }
        guard !label.name.isEmpty else { throw r.error(LabelPairField.name, tag.offset, "label without a name") }
        return label
    }
}

extension RPCProtoWriter {
    /// A `double` field.
    mutating func writeDoubleField(_ field: Int, _ value: Double) {
        writeTag(field, WireType.fixed64)
        var bits = value.bitPattern
        for _ in 0..<8 {
            writeByte(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    /// A `strata.Label` as the length-delimited field `field`.
    mutating func writeLabel(_ field: Int, _ label: Label) {
        writeLengthPrefix(field, ExemplarMetadataSizes.label(label))
        writeStringField(LabelPairField.name, label.name)
        writeStringField(LabelPairField.value, label.value)
    }
}

/// Encoded sizes of the messages' parts.
enum ExemplarMetadataSizes {
    static func label(_ l: Label) -> Int {
        stringFieldSize(field: LabelPairField.name, l.name) + stringFieldSize(field: LabelPairField.value, l.value)
    }

    static func labels(_ labels: Labels, field: Int) -> Int {
        var size = 0
        for l in labels { size += lengthDelimitedSize(field: field, length: label(l)) }
        return size
    }

    static func matcherSet(_ set: [LabelMatcher]) -> Int {
        var size = 0
        for m in set { size += lengthDelimitedSize(field: MatcherSetField.matchers, length: MatcherCodec.size(m)) }
        return size
    }

    static func exemplar(_ e: Exemplar) -> Int {
        labels(e.labels, field: ExemplarRPCField.labels) + tagSize(ExemplarRPCField.value) + 8
            + varintFieldSize(field: ExemplarRPCField.timestamp, value: UInt64(bitPattern: e.timestamp))
    }

    static func series(_ s: SeriesExemplars) -> Int {
        var size = labels(s.seriesLabels, field: SeriesExemplarsField.labels)
        for e in s.exemplars { size += lengthDelimitedSize(field: SeriesExemplarsField.exemplars, length: exemplar(e)) }
        return size
    }

    static func exemplarsResponse(_ groups: [SeriesExemplars]) -> Int {
        var size = 0
        for g in groups { size += lengthDelimitedSize(field: ExemplarsResponseField.series, length: series(g)) }
        return size
    }

    static func entry(_ m: MetricMetadata) -> Int {
        varintFieldSize(field: MetricMetadataEntryField.type, value: m.type.protobufValue)
            + stringFieldSize(field: MetricMetadataEntryField.help, m.help)
            + stringFieldSize(field: MetricMetadataEntryField.unit, m.unit)
    }

    static func list(_ l: MetricMetadataList) -> Int {
        var size = stringFieldSize(field: MetricMetadataListField.metric, l.metric)
        for e in l.entries { size += lengthDelimitedSize(field: MetricMetadataListField.entries, length: entry(e)) }
        return size
    }

    static func metadataResponse(_ lists: [MetricMetadataList]) -> Int {
        var size = 0
        for l in lists { size += lengthDelimitedSize(field: MetadataResponseField.metrics, length: list(l)) }
        return size
    }
}

// MARK: - Exemplars

/// Writes a `strata.ExemplarsRequest`.
struct ExemplarsRequestSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: ExemplarsCall) throws -> Bytes {
        var size = stringFieldSize(field: ExemplarsRequestField.tenant, message.tenant.rawValue)
            + varintFieldSize(field: ExemplarsRequestField.start, value: UInt64(bitPattern: message.start))
            + varintFieldSize(field: ExemplarsRequestField.end, value: UInt64(bitPattern: message.end))
        for set in message.matcherSets {
            size += lengthDelimitedSize(field: ExemplarsRequestField.matcherSets, length: ExemplarMetadataSizes.matcherSet(set))
        }
        return try serializeMessage(name: ExemplarMetadataMessageName.exemplarsRequest, size: size) { w in
            w.writeStringField(ExemplarsRequestField.tenant, message.tenant.rawValue)
            w.writeInt64Field(ExemplarsRequestField.start, message.start)
            w.writeInt64Field(ExemplarsRequestField.end, message.end)
            for set in message.matcherSets {
                w.writeLengthPrefix(ExemplarsRequestField.matcherSets, ExemplarMetadataSizes.matcherSet(set))
                for m in set { MatcherCodec.write(m, field: MatcherSetField.matchers, to: &w) }
            }
        }
    }
}

/// Reads a `strata.ExemplarsRequest` on the ingester. Refused with `invalidArgument`: malformed
/// bytes, no or an invalid tenant, an end before the start, no matcher set, an empty set, an
/// unknown matcher type or a regex that does not compile.
struct ExemplarsRequestDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ExemplarsCall {
        let name = ExemplarMetadataMessageName.exemplarsRequest
        let (tenantString, start, end, rawSets): (String?, Int64, Int64, [[MatcherCodec.Raw]])
        do throws(RPCWireError) {
            (tenantString, start, end, rawSets) = try RPCProtoReader.withMessage(serializedMessageBytes, name: name) { r throws(RPCWireError) in
                var tenant: String?
                var start: Int64 = 0
                var end: Int64 = 0
                var sets: [[MatcherCodec.Raw]] = []
                while !r.isAtEnd {
                    let tag = try r.readTag()
                    switch tag.field {
                    case ExemplarsRequestField.tenant: tenant = try r.stringField(tag)
                    case ExemplarsRequestField.start: start = try r.int64Field(tag)
                    case ExemplarsRequestField.end: end = try r.int64Field(tag)
                    case ExemplarsRequestField.matcherSets:
                        var sub = try r.subMessage(tag, name: ExemplarMetadataMessageName.matcherSet)
                        var set: [MatcherCodec.Raw] = []
                        while !sub.isAtEnd {
                            let inner = try sub.readTag()
                            if inner.field == MatcherSetField.matchers {
                                var m = try sub.subMessage(inner, name: RPCMessageName.matcher)
                                set.append(try MatcherCodec.read(&m, offset: inner.offset))
                            } else {
                                try sub.skip(inner)
                            }
                        }
                        guard !set.isEmpty else {
                            throw r.error(tag.field, tag.offset, "matcher set without matchers; every set selects with at least one matcher")
                        }
                        sets.append(set)
                    default: try r.skip(tag)
                    }
                }
                return (tenant, start, end, sets)
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let tenant = try validatedTenant(tenantString, message: name)
        guard end >= start else {
            throw RPCError(code: .invalidArgument, message: "\(name): end \(end) is before start \(start)")
        }
        guard !rawSets.isEmpty else {
            throw RPCError(code: .invalidArgument,
                           message: "\(name) has no matcher set (field \(ExemplarsRequestField.matcherSets)); name the series whose exemplars are asked for")
        }
        var sets: [[LabelMatcher]] = []
        for raw in rawSets { sets.append(try MatcherCodec.validated(raw, message: name)) }
        return ExemplarsCall(tenant: tenant, start: start, end: end, matcherSets: sets)
    }
}

/// Writes a `strata.ExemplarsResponse`.
struct ExemplarsResponseSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [SeriesExemplars]) throws -> Bytes {
        try serializeMessage(name: ExemplarMetadataMessageName.exemplarsResponse,
                             size: ExemplarMetadataSizes.exemplarsResponse(message)) { w in
            for group in message {
                w.writeLengthPrefix(ExemplarsResponseField.series, ExemplarMetadataSizes.series(group))
                for l in group.seriesLabels { w.writeLabel(SeriesExemplarsField.labels, l) }
                for e in group.exemplars {
                    w.writeLengthPrefix(SeriesExemplarsField.exemplars, ExemplarMetadataSizes.exemplar(e))
                    for l in e.labels { w.writeLabel(ExemplarRPCField.labels, l) }
                    w.writeDoubleField(ExemplarRPCField.value, e.value)
                    w.writeInt64Field(ExemplarRPCField.timestamp, e.timestamp)
                }
            }
        }
    }
}

/// Reads a `strata.ExemplarsResponse` on the querier; a series without labels or a malformed
/// message is the ingester's fault: `internalError`.
struct ExemplarsResponseDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [SeriesExemplars] {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: ExemplarMetadataMessageName.exemplarsResponse) { r throws(RPCWireError) in
            var out: [SeriesExemplars] = []
            while !r.isAtEnd {
                let tag = try r.readTag()
                guard tag.field == ExemplarsResponseField.series else {
                    try r.skip(tag)
                    continue
                }
                var sub = try r.subMessage(tag, name: ExemplarMetadataMessageName.seriesExemplars)
                out.append(try Self.series(&sub, offset: tag.offset))
            }
            return out
        }
    }

    private static func series(_ r: inout RPCProtoReader, offset: Int) throws(RPCWireError) -> SeriesExemplars {
        var labels: [Label] = []
        var exemplars: [Exemplar] = []
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case SeriesExemplarsField.labels: labels.append(try r.labelMessage(tag))
            case SeriesExemplarsField.exemplars:
                var sub = try r.subMessage(tag, name: ExemplarMetadataMessageName.exemplar)
                exemplars.append(try exemplar(&sub))
            default: try r.skip(tag)
            }
        }
        guard !labels.isEmpty else { throw r.error(SeriesExemplarsField.labels, offset, "series without labels") }
        return SeriesExemplars(seriesLabels: Labels(labels), exemplars: exemplars)
    }

    private static func exemplar(_ r: inout RPCProtoReader) throws(RPCWireError) -> Exemplar {
        var labels: [Label] = []
        var e = Exemplar(labels: .empty, value: 0, timestamp: 0)
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case ExemplarRPCField.labels: labels.append(try r.labelMessage(tag))
            case ExemplarRPCField.value: e.value = try r.doubleField(tag)
            case ExemplarRPCField.timestamp: e.timestamp = try r.int64Field(tag)
            default: try r.skip(tag)
            }
        }
        e.labels = Labels(labels)
        return e
    }
}

// MARK: - Metadata

/// Writes a `strata.MetadataRequest`.
struct MetadataRequestSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: MetadataCall) throws -> Bytes {
        let metric = message.metric ?? ""
        var size = stringFieldSize(field: MetadataRequestField.tenant, message.tenant.rawValue)
        if !metric.isEmpty { size += stringFieldSize(field: MetadataRequestField.metric, metric) }
        if message.limit != 0 { size += varintFieldSize(field: MetadataRequestField.limit, value: UInt64(bitPattern: Int64(message.limit))) }
        if message.limitPerMetric != 0 {
            size += varintFieldSize(field: MetadataRequestField.limitPerMetric, value: UInt64(bitPattern: Int64(message.limitPerMetric)))
        }
        return try serializeMessage(name: ExemplarMetadataMessageName.metadataRequest, size: size) { w in
            w.writeStringField(MetadataRequestField.tenant, message.tenant.rawValue)
            if !metric.isEmpty { w.writeStringField(MetadataRequestField.metric, metric) }
            if message.limit != 0 { w.writeInt64Field(MetadataRequestField.limit, Int64(message.limit)) }
            if message.limitPerMetric != 0 { w.writeInt64Field(MetadataRequestField.limitPerMetric, Int64(message.limitPerMetric)) }
        }
    }
}

/// Reads a `strata.MetadataRequest` on the ingester. Refused with `invalidArgument`: malformed
/// bytes, no or an invalid tenant, a negative limit.
struct MetadataRequestDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> MetadataCall {
        let name = ExemplarMetadataMessageName.metadataRequest
        let (tenantString, metric, limit, perMetric): (String?, String, Int64, Int64)
        do throws(RPCWireError) {
            (tenantString, metric, limit, perMetric) = try RPCProtoReader.withMessage(serializedMessageBytes, name: name) { r throws(RPCWireError) in
                var tenant: String?
                var metric = ""
                var limit: Int64 = 0
                var perMetric: Int64 = 0
                while !r.isAtEnd {
                    let tag = try r.readTag()
                    switch tag.field {
                    case MetadataRequestField.tenant: tenant = try r.stringField(tag)
                    case MetadataRequestField.metric: metric = try r.stringField(tag)
                    case MetadataRequestField.limit: limit = try r.int64Field(tag)
                    case MetadataRequestField.limitPerMetric: perMetric = try r.int64Field(tag)
                    default: try r.skip(tag)
                    }
                }
                return (tenant, metric, limit, perMetric)
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let tenant = try validatedTenant(tenantString, message: name)
        for (field, value) in [(MetadataRequestField.limit, limit), (MetadataRequestField.limitPerMetric, perMetric)] where value < 0 {
            throw RPCError(code: .invalidArgument, message: "\(name) field \(field): limit \(value) is negative; 0 asks for everything")
        }
        return MetadataCall(tenant: tenant, metric: metric.isEmpty ? nil : metric, limit: Int(limit), limitPerMetric: Int(perMetric))
    }
}

/// Writes a `strata.MetadataResponse`.
struct MetadataResponseSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [MetricMetadataList]) throws -> Bytes {
        try serializeMessage(name: ExemplarMetadataMessageName.metadataResponse,
                             size: ExemplarMetadataSizes.metadataResponse(message)) { w in
            for list in message {
                w.writeLengthPrefix(MetadataResponseField.metrics, ExemplarMetadataSizes.list(list))
                w.writeStringField(MetricMetadataListField.metric, list.metric)
                for e in list.entries {
                    w.writeLengthPrefix(MetricMetadataListField.entries, ExemplarMetadataSizes.entry(e))
                    w.writeVarintField(MetricMetadataEntryField.type, e.type.protobufValue)
                    w.writeStringField(MetricMetadataEntryField.help, e.help)
                    w.writeStringField(MetricMetadataEntryField.unit, e.unit)
                }
            }
        }
    }
}

/// Reads a `strata.MetadataResponse` on the querier; a metric without a name or a malformed
/// message is the ingester's fault: `internalError`. A type number this build does not know
/// (a newer ingester) reads as `unknown`, as remote write does.
struct MetadataResponseDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [MetricMetadataList] {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: ExemplarMetadataMessageName.metadataResponse) { r throws(RPCWireError) in
            var out: [MetricMetadataList] = []
            while !r.isAtEnd {
                let tag = try r.readTag()
                guard tag.field == MetadataResponseField.metrics else {
                    try r.skip(tag)
                    continue
                }
                var sub = try r.subMessage(tag, name: ExemplarMetadataMessageName.metricMetadataList)
                out.append(try Self.list(&sub, offset: tag.offset))
            }
            return out
        }
    }

    private static func list(_ r: inout RPCProtoReader, offset: Int) throws(RPCWireError) -> MetricMetadataList {
        var metric = ""
        var raw: [(type: MetricType, help: String, unit: String)] = []
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case MetricMetadataListField.metric: metric = try r.stringField(tag)
            case MetricMetadataListField.entries:
                var sub = try r.subMessage(tag, name: ExemplarMetadataMessageName.metricMetadataEntry)
                var entry: (type: MetricType, help: String, unit: String) = (.unknown, "", "")
                while !sub.isAtEnd {
                    let inner = try sub.readTag()
                    switch inner.field {
                    case MetricMetadataEntryField.type: entry.type = MetricType(protobufValue: try sub.varintField(inner))
                    case MetricMetadataEntryField.help: entry.help = try sub.stringField(inner)
                    case MetricMetadataEntryField.unit: entry.unit = try sub.stringField(inner)
                    default: try sub.skip(inner)
                    }
                }
                raw.append(entry)
            default: try r.skip(tag)
            }
        }
        guard !metric.isEmpty else { throw r.error(MetricMetadataListField.metric, offset, "metadata without a metric name") }
        return MetricMetadataList(metric: metric, entries: raw.map {
            MetricMetadata(metricFamilyName: metric, type: $0.type, help: $0.help, unit: $0.unit)
        })
    }
}
