import StrataModel

/// Decodes the exemplars and metadata of a remote write 1.0 `WriteRequest`.
///
/// Separate from `RemoteWriteDecoder` on purpose: the sample decoder only counts exemplars and
/// metadata, so float-only traffic pays nothing for them; this second walk over the body runs
/// only for requests that carried some (`SeriesBatch.carriesExemplarsOrMetadata`).
public enum RemoteWriteExtrasDecoder {
    /// The exemplars (with their series' labels) and distinct metadata entries of a body that
    /// `RemoteWriteDecoder.decode` already accepted.
    public static func decode(_ body: [UInt8]) throws(WireError) -> WriteExtras {
        let decoded: Result<WriteExtras, WireError> = body.withUnsafeBytes { raw in
            do throws(WireError) {
                var extras = WriteExtras()
                var seen: Set<MetricMetadata> = []
                var r = ProtoReader(raw, codec: .remoteWrite)
                while !r.isAtEnd {
                    let tag = try r.readTag(.writeRequest)
                    switch tag.field {
                    case WriteRequestField.timeseries:
                        var sub = try r.subMessage(tag, .writeRequest)
                        if let group = try decodeSeriesExemplars(&sub) { extras.exemplars.append(group) }
                    case WriteRequestField.metadata:
                        var sub = try r.subMessage(tag, .writeRequest)
                        let entry = try decodeMetadata(&sub)
                        if !entry.metricFamilyName.isEmpty, seen.insert(entry).inserted { extras.metadata.append(entry) }
                    default:
                        try r.skip(tag, .writeRequest)
                    }
                }
                return .success(extras)
            } catch {
                return .failure(error)
            }
        }
        return try decoded.get()
    }

    /// The series' exemplars, or nil when it has none (its labels are then not materialised).
    static func decodeSeriesExemplars(_ r: inout ProtoReader) throws(WireError) -> SeriesExemplars? {
        var labelReaders: [ProtoReader] = []
        var exemplars: [Exemplar] = []
        while !r.isAtEnd {
            let tag = try r.readTag(.timeSeries)
            switch tag.field {
            case TimeSeriesField.labels:
                labelReaders.append(try r.subMessage(tag, .timeSeries))
            case TimeSeriesField.exemplars:
                var sub = try r.subMessage(tag, .timeSeries)
                exemplars.append(try decodeExemplar(&sub))
            default:
                try r.skip(tag, .timeSeries)
            }
        }
        guard !exemplars.isEmpty else { return nil }
        var labels: [Label] = []
        labels.reserveCapacity(labelReaders.count)
        for var reader in labelReaders {
            labels.append(try decodeLabel(&reader, .label, lossy: true))
        }
        return SeriesExemplars(seriesLabels: Labels(labels), exemplars: exemplars)
    }

    /// A `Label`; `lossy` replaces invalid UTF-8 (series labels, which validation checks on the
    /// batch) instead of refusing it (exemplar labels, which nothing else checks).
    static func decodeLabel(_ r: inout ProtoReader, _ message: WireMessage, lossy: Bool) throws(WireError) -> Label {
        var label = Label(name: "", value: "")
        while !r.isAtEnd {
            let tag = try r.readTag(message)
            switch tag.field {
            case LabelField.name, LabelField.value:
                let s: String
                if lossy {
                    let (offset, length) = try r.bytesField(tag, message)
                    s = String(decoding: UnsafeRawBufferPointer(rebasing: r.bytes[offset..<offset + length]), as: UTF8.self)
                } else {
                    s = try r.stringField(tag, message)
                }
                if tag.field == LabelField.name { label.name = s } else { label.value = s }
            default:
                try r.skip(tag, message)
            }
        }
        return label
    }

    static func decodeExemplar(_ r: inout ProtoReader) throws(WireError) -> Exemplar {
        var labels: [Label] = []
        var exemplar = Exemplar(labels: .empty, value: 0, timestamp: 0)
        while !r.isAtEnd {
            let tag = try r.readTag(.exemplar)
            switch tag.field {
            case ExemplarField.labels:
                var sub = try r.subMessage(tag, .exemplar)
                labels.append(try decodeLabel(&sub, .exemplar, lossy: false))
            case ExemplarField.value:
                exemplar.value = Double(bitPattern: try r.fixed64Field(tag, .exemplar))
            case ExemplarField.timestamp:
                exemplar.timestamp = Int64(bitPattern: try r.varintField(tag, .exemplar))
            default:
                try r.skip(tag, .exemplar)
            }
        }
        exemplar.labels = Labels(labels)
        return exemplar
    }

    static func decodeMetadata(_ r: inout ProtoReader) throws(WireError) -> MetricMetadata {
        var entry = MetricMetadata(metricFamilyName: "", type: .unknown, help: "", unit: "")
        while !r.isAtEnd {
            let tag = try r.readTag(.metricMetadata)
            switch tag.field {
            case MetricMetadataField.type:
                entry.type = MetricType(protobufValue: try r.varintField(tag, .metricMetadata))
            case MetricMetadataField.metricFamilyName:
                entry.metricFamilyName = try r.stringField(tag, .metricMetadata)
            case MetricMetadataField.help:
                entry.help = try r.stringField(tag, .metricMetadata)
            case MetricMetadataField.unit:
                entry.unit = try r.stringField(tag, .metricMetadata)
            default:
                try r.skip(tag, .metricMetadata)
            }
        }
        return entry
    }
}

extension SeriesBatch {
    /// True when the request had exemplars or metadata to decode (a scan of the series entries,
    /// no body access).
    public var carriesExemplarsOrMetadata: Bool {
        if metadataCount > 0 { return true }
        for entry in series where entry.exemplarCount > 0 { return true }
        return false
    }
}
