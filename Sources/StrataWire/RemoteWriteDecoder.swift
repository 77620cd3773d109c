import StrataModel

/// Decodes Prometheus remote write 1.0 `WriteRequest` bodies into a `SeriesBatch`.
///
/// Copy-free: label names and values stay where they are in the body, which becomes the batch's
/// buffer. Strict where Prometheus's own (gogo-generated) decoder is strict — a known field with
/// the wrong wire type, a length past the end, a bad varint — and lenient where protobuf is:
/// unknown fields are skipped, fields may come in any order, repeated fields may interleave.
///
/// Two passes: the first counts series, labels and samples (skipping label and sample contents),
/// so the second writes each column into memory allocated once at its exact size — no regrowth,
/// no per-append uniqueness checks.
public enum RemoteWriteDecoder {
    /// Decodes a decompressed WriteRequest body. `body` becomes the batch's buffer and label refs
    /// point into it. Samples and native histograms (`histograms`, per series in order sent) are
    /// decoded; exemplars are counted per series (`exemplarCount`) and metadata entries counted
    /// (`metadataCount`), without being decoded (`RemoteWriteExtrasDecoder` reads them).
    public static func decode(_ body: [UInt8]) throws(WireError) -> SeriesBatch {
        guard body.count <= ProtoLimits.maxBodySize else {
            throw .bodyTooLarge(size: body.count, limit: ProtoLimits.maxBodySize)
        }
        let decoded: Result<SeriesBatch, WireError> = body.withUnsafeBytes { raw in
            do throws(WireError) {
                var counter = ProtoReader(raw, codec: .remoteWrite)
                let counts = try count(&counter)
                return .success(try fill(raw, counts: counts, body: body))
            } catch {
                return .failure(error)
            }
        }
        return try decoded.get()
    }

    // MARK: pass 1: counting

    /// How many items of each column the body holds.
    struct Counts {
        var series = 0
        var labels = 0
        var samples = 0
        var histograms = 0
    }

    /// Tag byte of `TimeSeries.labels`.
    static let labelsTagByte = UInt8(TimeSeriesField.labels << 3) | WireType.lengthDelimited
    /// Tag bytes of `Label.name` and `Label.value`.
    static let labelNameTagByte = UInt8(LabelField.name << 3) | WireType.lengthDelimited
    static let labelValueTagByte = UInt8(LabelField.value << 3) | WireType.lengthDelimited

    /// Counts series, labels and samples, checking the two outer levels' structure on the way.
    static func count(_ r: inout ProtoReader) throws(WireError) -> Counts {
        var counts = Counts()
        while !r.isAtEnd {
            let tag = try r.readTag(.writeRequest)
            guard tag.field == WriteRequestField.timeseries else {
                // Metadata and unknown fields are checked in the second pass.
                try r.skip(tag, .writeRequest)
                continue
            }
            var ts = try r.subMessage(tag, .writeRequest)
            counts.series += 1
            while !ts.isAtEnd {
                // Fast path: a label field with a one-byte length (nearly every label).
                let p = ts.position
                if ts.bytes[p] == labelsTagByte, p &+ 1 < ts.end {
                    let length = Int(ts.bytes[p &+ 1])
                    if length < 0x80, p &+ 2 &+ length <= ts.end {
                        ts.position = p &+ 2 &+ length
                        counts.labels &+= 1
                        continue
                    }
                }
                let inner = try ts.readTag(.timeSeries)
                switch inner.field {
                case TimeSeriesField.labels:
                    _ = try ts.subMessage(inner, .timeSeries)
                    counts.labels += 1
                case TimeSeriesField.samples:
                    _ = try ts.subMessage(inner, .timeSeries)
                    counts.samples += 1
                case TimeSeriesField.histograms:
                    _ = try ts.subMessage(inner, .timeSeries)
                    counts.histograms += 1
                default:
                    try ts.skip(inner, .timeSeries)
                }
            }
        }
        // Every label and sample takes at least two bytes of a body of at most 4 GiB, so these
        // fit the batch's UInt32 indexes; checked anyway so they can never wrap.
        let limit = Int(UInt32.max)
        guard counts.labels <= limit, counts.samples <= limit, counts.series <= limit, counts.histograms <= limit else {
            throw .tooManyItems(r.location(.writeRequest, WriteRequestField.timeseries, 0), limit: limit)
        }
        return counts
    }

    // MARK: pass 2: filling

    /// Output columns with their exact capacity from the first pass. Every write is still
    /// checked against the capacity, so a disagreement between the passes (a bug) surfaces as an
    /// error rather than a write out of bounds. A column of capacity 0 has no base address.
    struct ColumnWriter {
        let labels: UnsafeMutablePointer<SeriesBatch.LabelRef>?
        let labelCapacity: Int
        var labelCount = 0
        let samples: UnsafeMutablePointer<Sample>?
        let sampleCapacity: Int
        var sampleCount = 0
        let series: UnsafeMutablePointer<SeriesBatch.Entry>?
        let seriesCapacity: Int
        var seriesCount = 0
        var metadataCount = 0
        /// Native histograms hold arrays, so they go into an ordinary array (reserved at the
        /// counted size) rather than raw memory.
        var histograms = ContiguousArray<HistogramPoint>()

        @inline(__always)
        mutating func append(_ ref: SeriesBatch.LabelRef, _ r: ProtoReader) throws(WireError) {
            guard labelCount < labelCapacity, let labels else { throw r.overflow(labelCapacity) }
            (labels + labelCount).initialize(to: ref)
            labelCount &+= 1
        }

        @inline(__always)
        mutating func append(_ sample: Sample, _ r: ProtoReader) throws(WireError) {
            guard sampleCount < sampleCapacity, let samples else { throw r.overflow(sampleCapacity) }
            (samples + sampleCount).initialize(to: sample)
            sampleCount &+= 1
        }

        @inline(__always)
        mutating func append(_ entry: SeriesBatch.Entry, _ r: ProtoReader) throws(WireError) {
            guard seriesCount < seriesCapacity, let series else { throw r.overflow(seriesCapacity) }
            (series + seriesCount).initialize(to: entry)
            seriesCount &+= 1
        }
    }

    /// Allocates the three columns at their counted sizes and decodes into them.
    static func fill(_ raw: UnsafeRawBufferPointer, counts: Counts, body: [UInt8]) throws(WireError) -> SeriesBatch {
        var failure: WireError?
        var metadataCount = 0
        var samples = ContiguousArray<Sample>()
        var series = ContiguousArray<SeriesBatch.Entry>()
        var histograms = ContiguousArray<HistogramPoint>()
        let labels = ContiguousArray<SeriesBatch.LabelRef>(unsafeUninitializedCapacity: counts.labels) { labelBuffer, labelsDone in
            samples = ContiguousArray(unsafeUninitializedCapacity: counts.samples) { sampleBuffer, samplesDone in
                series = ContiguousArray(unsafeUninitializedCapacity: counts.series) { seriesBuffer, seriesDone in
                    var w = ColumnWriter(labels: labelBuffer.baseAddress, labelCapacity: labelBuffer.count,
                                         samples: sampleBuffer.baseAddress, sampleCapacity: sampleBuffer.count,
                                         series: seriesBuffer.baseAddress, seriesCapacity: seriesBuffer.count)
                    w.histograms.reserveCapacity(counts.histograms)
                    do throws(WireError) {
                        var reader = ProtoReader(raw, codec: .remoteWrite)
                        try decodeWriteRequest(&reader, into: &w)
                        metadataCount = w.metadataCount
                        histograms = w.histograms
                    } catch {
                        failure = error
                    }
                    // Elements are trivial types, so on failure the partly written columns can
                    // simply be reported as what they are and dropped.
                    labelsDone = w.labelCount
                    samplesDone = w.sampleCount
                    seriesDone = w.seriesCount
                }
            }
        }
        if let failure { throw failure }
        return SeriesBatch(buffer: body, labels: labels, series: series, samples: samples, histograms: histograms,
                           metadataCount: metadataCount)
    }

    static func decodeWriteRequest(_ r: inout ProtoReader, into w: inout ColumnWriter) throws(WireError) {
        while !r.isAtEnd {
            let tag = try r.readTag(.writeRequest)
            switch tag.field {
            case WriteRequestField.timeseries:
                var sub = try r.subMessage(tag, .writeRequest)
                try decodeTimeSeries(&sub, into: &w)
            case WriteRequestField.metadata:
                // Counted for limits only; its contents are not interpreted.
                _ = try r.subMessage(tag, .writeRequest)
                w.metadataCount += 1
            default:
                try r.skip(tag, .writeRequest)
            }
        }
    }

    @inline(__always)
    static func decodeTimeSeries(_ r: inout ProtoReader, into w: inout ColumnWriter) throws(WireError) {
        let labelStart = w.labelCount
        let sampleStart = w.sampleCount
        let histogramStart = w.histograms.count
        var exemplars: UInt32 = 0
        while !r.isAtEnd {
            // Fast path: a label field with a one-byte length (nearly every label).
            let p = r.position
            if r.bytes[p] == labelsTagByte, p &+ 1 < r.end {
                let length = Int(r.bytes[p &+ 1])
                if length < 0x80, p &+ 2 &+ length <= r.end {
                    var sub = r
                    sub.position = p &+ 2
                    sub.end = p &+ 2 &+ length
                    r.position = sub.end
                    try w.append(try decodeLabel(&sub), r)
                    continue
                }
            }
            let tag = try r.readTag(.timeSeries)
            switch tag.field {
            case TimeSeriesField.labels:
                var sub = try r.subMessage(tag, .timeSeries)
                try w.append(try decodeLabel(&sub), r)
            case TimeSeriesField.samples:
                var sub = try r.subMessage(tag, .timeSeries)
                try w.append(try decodeSample(&sub), r)
            case TimeSeriesField.exemplars:
                _ = try r.subMessage(tag, .timeSeries)
                exemplars &+= 1
            case TimeSeriesField.histograms:
                var sub = try r.subMessage(tag, .timeSeries)
                w.histograms.append(try HistogramWireCodec.decode(&sub))
            default:
                try r.skip(tag, .timeSeries)
            }
        }
        // Counts fit in UInt32: the first pass checked the totals.
        try w.append(SeriesBatch.Entry(
            labelStart: UInt32(truncatingIfNeeded: labelStart),
            labelCount: UInt32(truncatingIfNeeded: w.labelCount - labelStart),
            sampleStart: UInt32(truncatingIfNeeded: sampleStart),
            sampleCount: UInt32(truncatingIfNeeded: w.sampleCount - sampleStart),
            exemplarCount: exemplars,
            histogramCount: UInt32(truncatingIfNeeded: w.histograms.count - histogramStart),
            histogramStart: UInt32(truncatingIfNeeded: histogramStart)), r)
    }

    @inline(__always)
    static func decodeLabel(_ r: inout ProtoReader) throws(WireError) -> SeriesBatch.LabelRef {
        // Fast path for the shape every Prometheus sender writes: name then value, each with a
        // one-byte length, and nothing else. Anything else takes the general loop below, which
        // accepts every valid encoding. (Offsets are below 2^32, so wrapping arithmetic cannot
        // wrap; it only drops overflow checks from the hottest code.)
        let p = r.position
        let e = r.end
        if e &- p >= 4, r.bytes[p] == labelNameTagByte {
            let nameLength = Int(r.bytes[p &+ 1])
            let valueTag = p &+ 2 &+ nameLength
            if nameLength < 0x80, valueTag &+ 2 <= e, r.bytes[valueTag] == labelValueTagByte {
                let valueLength = Int(r.bytes[valueTag &+ 1])
                if valueLength < 0x80, valueTag &+ 2 &+ valueLength == e {
                    r.position = e
                    return SeriesBatch.LabelRef(nameOffset: UInt32(truncatingIfNeeded: p &+ 2),
                                                nameLength: UInt32(truncatingIfNeeded: nameLength),
                                                valueOffset: UInt32(truncatingIfNeeded: valueTag &+ 2),
                                                valueLength: UInt32(truncatingIfNeeded: valueLength))
                }
            }
        }
        // proto3: an absent string is empty; a repeated one replaces the earlier value.
        var ref = SeriesBatch.LabelRef(nameOffset: 0, nameLength: 0, valueOffset: 0, valueLength: 0)
        while !r.isAtEnd {
            let tag = try r.readTag(.label)
            switch tag.field {
            case LabelField.name:
                let (offset, length) = try r.bytesField(tag, .label)
                ref.nameOffset = UInt32(truncatingIfNeeded: offset)
                ref.nameLength = UInt32(truncatingIfNeeded: length)
            case LabelField.value:
                let (offset, length) = try r.bytesField(tag, .label)
                ref.valueOffset = UInt32(truncatingIfNeeded: offset)
                ref.valueLength = UInt32(truncatingIfNeeded: length)
            default:
                try r.skip(tag, .label)
            }
        }
        return ref
    }

    @inline(__always)
    static func decodeSample(_ r: inout ProtoReader) throws(WireError) -> Sample {
        var sample = Sample(timestamp: 0, value: 0)
        while !r.isAtEnd {
            let tag = try r.readTag(.sample)
            switch tag.field {
            case SampleField.value:
                sample.value = Double(bitPattern: try r.fixed64Field(tag, .sample))
            case SampleField.timestamp:
                sample.timestamp = Int64(bitPattern: try r.varintField(tag, .sample))
            default:
                try r.skip(tag, .sample)
            }
        }
        return sample
    }
}

extension ProtoReader {
    /// The error for more items than the first pass counted (a decoder bug, reported rather than
    /// risking a write out of bounds).
    func overflow(_ limit: Int) -> WireError {
        .tooManyItems(location(.timeSeries, 0, position), limit: limit)
    }
}
