import StrataModel

/// A decoded remote write 2.0 request: the float samples as the same columnar batch 1.0
/// produces (so validation, limits, HA deduplication, ring forwarding and the WAL treat both
/// versions alike), plus the exemplars and metadata it carried.
public struct RemoteWriteV2Request: Sendable {
    /// Series, float samples and native histograms; label refs point at the symbols in the body.
    /// Exemplars are counted per series and `metadataCount` is the number of distinct metadata
    /// entries.
    public var batch: SeriesBatch
    /// Exemplars (with their series' labels) and distinct metadata entries.
    public var extras: WriteExtras
}

/// Decodes Prometheus remote write 2.0 `io.prometheus.write.v2.Request` bodies.
///
/// In the 1.0 decoder's style: copy-free for series labels (a `labels_refs` pair becomes a
/// `LabelRef` to the two symbols' bytes in the body, so a symbol shared by many series is
/// stored once), strict about structure (wrong wire types, lengths past the end, bad varints,
/// references past the symbols table, odd `labels_refs` counts), lenient where protobuf is
/// (unknown fields skipped, any field order, packed or unpacked `labels_refs`).
///
/// Two passes: the first collects the symbols table (which may come anywhere in the body) and
/// counts labels and samples; the second fills columns allocated once at their exact size.
/// Exemplars and metadata, rare and small, are decoded into values on the second pass.
public enum RemoteWriteV2Decoder {
    /// Decodes a decompressed v2 Request body; `body` becomes the batch's buffer.
    public static func decode(_ body: [UInt8]) throws(WireError) -> RemoteWriteV2Request {
        guard body.count <= ProtoLimits.maxBodySize else {
            throw .bodyTooLarge(size: body.count, limit: ProtoLimits.maxBodySize)
        }
        let decoded: Result<RemoteWriteV2Request, WireError> = body.withUnsafeBytes { raw in
            do throws(WireError) {
                var counter = ProtoReader(raw, codec: .remoteWriteV2)
                let scan = try scan(&counter)
                return .success(try fill(raw, scan: scan, body: body))
            } catch {
                return .failure(error)
            }
        }
        return try decoded.get()
    }

    // MARK: pass 1: symbols and counts

    /// A symbol's bytes in the body.
    struct Symbol {
        var offset: UInt32
        var length: UInt32
    }

    /// What the first pass found.
    struct Scan {
        var symbols = ContiguousArray<Symbol>()
        var series = 0
        var labels = 0
        var samples = 0
        var histograms = 0
    }

    static func scan(_ r: inout ProtoReader) throws(WireError) -> Scan {
        var scan = Scan()
        while !r.isAtEnd {
            let tag = try r.readTag(.v2Request)
            switch tag.field {
            case V2RequestField.symbols:
                let (offset, length) = try r.bytesField(tag, .v2Request)
                scan.symbols.append(Symbol(offset: UInt32(truncatingIfNeeded: offset), length: UInt32(truncatingIfNeeded: length)))
            case V2RequestField.timeseries:
                var ts = try r.subMessage(tag, .v2Request)
                scan.series += 1
                var refs = 0
                while !ts.isAtEnd {
                    let inner = try ts.readTag(.v2TimeSeries)
                    switch inner.field {
                    case V2TimeSeriesField.labelsRefs:
                        refs += try countRefs(&ts, inner, .v2TimeSeries)
                    case V2TimeSeriesField.samples:
                        _ = try ts.subMessage(inner, .v2TimeSeries)
                        scan.samples += 1
                    case V2TimeSeriesField.histograms:
                        _ = try ts.subMessage(inner, .v2TimeSeries)
                        scan.histograms += 1
                    default:
                        try ts.skip(inner, .v2TimeSeries)
                    }
                }
                guard refs % 2 == 0 else {
                    throw .oddLabelRefCount(r.location(.v2TimeSeries, V2TimeSeriesField.labelsRefs, tag.offset), count: refs)
                }
                scan.labels += refs / 2
            default:
                try r.skip(tag, .v2Request)
            }
        }
        // Every symbol, label ref and sample takes at least one byte of a body below 4 GiB, so
        // these fit the batch's UInt32 indexes; checked anyway so they can never wrap.
        let limit = Int(UInt32.max)
        guard scan.labels <= limit, scan.samples <= limit, scan.series <= limit, scan.symbols.count <= limit,
              scan.histograms <= limit else {
            throw .tooManyItems(r.location(.v2Request, V2RequestField.timeseries, 0), limit: limit)
        }
        return scan
    }

    /// Counts the refs of one `labels_refs` field (one unpacked varint, or a packed run).
    static func countRefs(_ r: inout ProtoReader, _ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> Int {
        switch tag.wireType {
        case WireType.varint:
            _ = try r.readVarint(message, field: tag.field)
            return 1
        case WireType.lengthDelimited:
            var packed = try r.subMessage(tag, message)
            var n = 0
            while !packed.isAtEnd {
                _ = try packed.readVarint(message, field: tag.field)
                n += 1
            }
            return n
        default:
            throw .invalidWireType(r.location(message, tag.field, tag.offset), found: tag.wireType, expected: WireType.lengthDelimited)
        }
    }

    /// Calls `body` with each ref of one `labels_refs` field, checked against the symbols table.
    @inline(__always)
    static func forEachRef(_ r: inout ProtoReader, _ tag: ProtoTag, _ message: WireMessage, symbols: Int,
                           _ body: (UInt32) throws(WireError) -> Void) throws(WireError) {
        if tag.wireType == WireType.varint {
            let offset = r.position
            let ref = try r.readVarint(message, field: tag.field)
            guard ref < UInt64(symbols) else {
                throw .symbolRefOutOfRange(r.location(message, tag.field, offset), ref: ref, symbols: symbols)
            }
            try body(UInt32(truncatingIfNeeded: ref))
            return
        }
        var packed = try r.subMessage(tag, message)
        while !packed.isAtEnd {
            let offset = packed.position
            let ref = try packed.readVarint(message, field: tag.field)
            guard ref < UInt64(symbols) else {
                throw .symbolRefOutOfRange(r.location(message, tag.field, offset), ref: ref, symbols: symbols)
            }
            try body(UInt32(truncatingIfNeeded: ref))
        }
    }

    // MARK: pass 2: filling

    /// The symbols table over the body, for turning refs into label refs and strings.
    struct SymbolTable {
        let raw: UnsafeRawBufferPointer
        let symbols: ContiguousArray<Symbol>

        /// The symbol as a `String`, refusing invalid UTF-8 (for exemplar labels, help, unit).
        func string(_ ref: UInt32, _ r: ProtoReader, _ message: WireMessage, _ field: Int, _ offset: Int) throws(WireError) -> String {
            let s = symbols[Int(ref)]
            if s.length == 0 { return "" }
            let slice = UnsafeRawBufferPointer(rebasing: raw[Int(s.offset)..<Int(s.offset) + Int(s.length)])
            guard let string = String(validating: slice, as: UTF8.self) else {
                throw .invalidUTF8(r.location(message, field, offset))
            }
            return string
        }

        /// The symbol as a `String`, invalid UTF-8 replaced (series labels, which validation
        /// checks on the batch itself).
        func lossyString(_ offset: UInt32, _ length: UInt32) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: raw[Int(offset)..<Int(offset) + Int(length)]), as: UTF8.self)
        }
    }

    /// Exemplars and metadata gathered while filling.
    struct ExtrasCollector {
        var exemplars: [SeriesExemplars] = []
        var metadata: [MetricMetadata] = []
        var seen: Set<MetricMetadata> = []
    }

    static func fill(_ raw: UnsafeRawBufferPointer, scan: Scan, body: [UInt8]) throws(WireError) -> RemoteWriteV2Request {
        var failure: WireError?
        var extras = ExtrasCollector()
        var samples = ContiguousArray<Sample>()
        var series = ContiguousArray<SeriesBatch.Entry>()
        var histograms = ContiguousArray<HistogramPoint>()
        let table = SymbolTable(raw: raw, symbols: scan.symbols)
        let labels = ContiguousArray<SeriesBatch.LabelRef>(unsafeUninitializedCapacity: scan.labels) { labelBuffer, labelsDone in
            samples = ContiguousArray(unsafeUninitializedCapacity: scan.samples) { sampleBuffer, samplesDone in
                series = ContiguousArray(unsafeUninitializedCapacity: scan.series) { seriesBuffer, seriesDone in
                    var w = RemoteWriteDecoder.ColumnWriter(
                        labels: labelBuffer.baseAddress, labelCapacity: labelBuffer.count,
                        samples: sampleBuffer.baseAddress, sampleCapacity: sampleBuffer.count,
                        series: seriesBuffer.baseAddress, seriesCapacity: seriesBuffer.count)
                    w.histograms.reserveCapacity(scan.histograms)
                    do throws(WireError) {
                        var r = ProtoReader(raw, codec: .remoteWriteV2)
                        while !r.isAtEnd {
                            let tag = try r.readTag(.v2Request)
                            if tag.field == V2RequestField.timeseries {
                                var sub = try r.subMessage(tag, .v2Request)
                                try decodeTimeSeries(&sub, table: table, into: &w, extras: &extras)
                            } else {
                                // Symbols were read by the first pass; unknown fields skipped.
                                try r.skip(tag, .v2Request)
                            }
                        }
                        histograms = w.histograms
                    } catch {
                        failure = error
                    }
                    labelsDone = w.labelCount
                    samplesDone = w.sampleCount
                    seriesDone = w.seriesCount
                }
            }
        }
        if let failure { throw failure }
        let batch = SeriesBatch(buffer: body, labels: labels, series: series, samples: samples, histograms: histograms,
                                metadataCount: extras.metadata.count)
        return RemoteWriteV2Request(batch: batch, extras: WriteExtras(exemplars: extras.exemplars, metadata: extras.metadata))
    }

    static func decodeTimeSeries(_ r: inout ProtoReader, table: SymbolTable, into w: inout RemoteWriteDecoder.ColumnWriter,
                                 extras: inout ExtrasCollector) throws(WireError) {
        let labelStart = w.labelCount
        let sampleStart = w.sampleCount
        let symbolCount = table.symbols.count
        let histogramStart = w.histograms.count
        var pendingName: UInt32? = nil
        // Rare: kept as readers and decoded once the series' labels are known.
        var exemplarReaders: [ProtoReader] = []
        var metadata: (type: MetricType, help: String, unit: String)? = nil
        while !r.isAtEnd {
            let tag = try r.readTag(.v2TimeSeries)
            switch tag.field {
            case V2TimeSeriesField.labelsRefs:
                let reader = r
                try forEachRef(&r, tag, .v2TimeSeries, symbols: symbolCount) { ref throws(WireError) in
                    guard let name = pendingName else {
                        pendingName = ref
                        return
                    }
                    pendingName = nil
                    let n = table.symbols[Int(name)]
                    let v = table.symbols[Int(ref)]
                    try w.append(SeriesBatch.LabelRef(nameOffset: n.offset, nameLength: n.length,
                                                      valueOffset: v.offset, valueLength: v.length), reader)
                }
            case V2TimeSeriesField.samples:
                var sub = try r.subMessage(tag, .v2TimeSeries)
                try w.append(try RemoteWriteDecoder.decodeSample(&sub), r)
            case V2TimeSeriesField.histograms:
                var sub = try r.subMessage(tag, .v2TimeSeries)
                w.histograms.append(try HistogramWireCodec.decode(&sub))
            case V2TimeSeriesField.exemplars:
                exemplarReaders.append(try r.subMessage(tag, .v2TimeSeries))
            case V2TimeSeriesField.metadata:
                var sub = try r.subMessage(tag, .v2TimeSeries)
                metadata = try decodeMetadata(&sub, table: table)
            case V2TimeSeriesField.createdTimestamp:
                // Checked for its wire type, not stored (Strata has no created-timestamp
                // injection; see docs/format/remote-write.md).
                _ = try r.varintField(tag, .v2TimeSeries)
            default:
                try r.skip(tag, .v2TimeSeries)
            }
        }
        // The first pass refused odd counts; a leftover name here means the passes disagree.
        if pendingName != nil {
            throw .oddLabelRefCount(r.location(.v2TimeSeries, V2TimeSeriesField.labelsRefs, r.position), count: -1)
        }
        try w.append(SeriesBatch.Entry(
            labelStart: UInt32(truncatingIfNeeded: labelStart),
            labelCount: UInt32(truncatingIfNeeded: w.labelCount - labelStart),
            sampleStart: UInt32(truncatingIfNeeded: sampleStart),
            sampleCount: UInt32(truncatingIfNeeded: w.sampleCount - sampleStart),
            exemplarCount: UInt32(truncatingIfNeeded: exemplarReaders.count),
            histogramCount: UInt32(truncatingIfNeeded: w.histograms.count - histogramStart),
            histogramStart: UInt32(truncatingIfNeeded: histogramStart)), r)

        let hasMetadata = metadata.map { $0.type != .unknown || !$0.help.isEmpty || !$0.unit.isEmpty } ?? false
        guard !exemplarReaders.isEmpty || hasMetadata, let labels = w.labels else { return }
        var seriesLabels: [Label] = []
        for i in labelStart..<w.labelCount {
            let ref = labels[i]
            seriesLabels.append(Label(name: table.lossyString(ref.nameOffset, ref.nameLength),
                                      value: table.lossyString(ref.valueOffset, ref.valueLength)))
        }
        let series = Labels(seriesLabels)
        if !exemplarReaders.isEmpty {
            var exemplars: [Exemplar] = []
            exemplars.reserveCapacity(exemplarReaders.count)
            for var reader in exemplarReaders {
                exemplars.append(try decodeExemplar(&reader, table: table))
            }
            extras.exemplars.append(SeriesExemplars(seriesLabels: series, exemplars: exemplars))
        }
        if let metadata, hasMetadata, let name = series.metricName {
            let entry = MetricMetadata(metricFamilyName: name, type: metadata.type, help: metadata.help, unit: metadata.unit)
            if extras.seen.insert(entry).inserted { extras.metadata.append(entry) }
        }
    }

    static func decodeExemplar(_ r: inout ProtoReader, table: SymbolTable) throws(WireError) -> Exemplar {
        var refs: [(UInt32, Int)] = []
        var exemplar = Exemplar(labels: .empty, value: 0, timestamp: 0)
        let start = r.position
        while !r.isAtEnd {
            let tag = try r.readTag(.v2Exemplar)
            switch tag.field {
            case V2ExemplarField.labelsRefs:
                try forEachRef(&r, tag, .v2Exemplar, symbols: table.symbols.count) { ref throws(WireError) in
                    refs.append((ref, tag.offset))
                }
            case V2ExemplarField.value:
                exemplar.value = Double(bitPattern: try r.fixed64Field(tag, .v2Exemplar))
            case V2ExemplarField.timestamp:
                exemplar.timestamp = Int64(bitPattern: try r.varintField(tag, .v2Exemplar))
            default:
                try r.skip(tag, .v2Exemplar)
            }
        }
        guard refs.count % 2 == 0 else {
            throw .oddLabelRefCount(r.location(.v2Exemplar, V2ExemplarField.labelsRefs, start), count: refs.count)
        }
        var labels: [Label] = []
        labels.reserveCapacity(refs.count / 2)
        var i = 0
        while i < refs.count {
            let name = try table.string(refs[i].0, r, .v2Exemplar, V2ExemplarField.labelsRefs, refs[i].1)
            let value = try table.string(refs[i + 1].0, r, .v2Exemplar, V2ExemplarField.labelsRefs, refs[i + 1].1)
            labels.append(Label(name: name, value: value))
            i += 2
        }
        exemplar.labels = Labels(labels)
        return exemplar
    }

    static func decodeMetadata(_ r: inout ProtoReader, table: SymbolTable) throws(WireError) -> (type: MetricType, help: String, unit: String) {
        var type = MetricType.unknown
        var help = ""
        var unit = ""
        let symbols = table.symbols.count
        while !r.isAtEnd {
            let tag = try r.readTag(.v2Metadata)
            switch tag.field {
            case V2MetadataField.type:
                type = MetricType(protobufValue: try r.varintField(tag, .v2Metadata))
            case V2MetadataField.helpRef, V2MetadataField.unitRef:
                let ref = try r.varintField(tag, .v2Metadata)
                guard ref < UInt64(symbols) else {
                    throw .symbolRefOutOfRange(r.location(.v2Metadata, tag.field, tag.offset), ref: ref, symbols: symbols)
                }
                let s = try table.string(UInt32(truncatingIfNeeded: ref), r, .v2Metadata, tag.field, tag.offset)
                if tag.field == V2MetadataField.helpRef { help = s } else { unit = s }
            default:
                try r.skip(tag, .v2Metadata)
            }
        }
        return (type, help, unit)
    }
}
