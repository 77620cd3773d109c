import StrataModel

extension RemoteWriteEncoder {
    /// Encodes the batch's `series` as `encode(_:)` does, with each series' exemplars from
    /// `extras.exemplars` (by index in `series`) in its `TimeSeries.exemplars` and the metadata
    /// in `WriteRequest.metadata`: what a distributor forwards to an ingester in another
    /// process. Without extras the bytes equal `encode(_:)`'s.
    public static func encode(_ batch: SeriesBatch, extras: BatchExtras) -> [UInt8] {
        guard !extras.isEmpty else { return encode(batch) }
        var payloadSizes = ContiguousArray<Int>()
        payloadSizes.reserveCapacity(batch.series.count)
        var total = 0
        for index in batch.series.indices {
            var size = 0
            let entry = batch.series[index]
            for i in 0..<Int(entry.labelCount) {
                let ref = batch.labels[Int(entry.labelStart) + i]
                let payload = labelPayloadSize(nameLength: Int(ref.nameLength), valueLength: Int(ref.valueLength))
                size += lengthDelimitedSize(field: TimeSeriesField.labels, length: payload)
            }
            size += samplesFieldsSize(batch.samples(of: index))
            size += histogramsFieldsSize(batch.histograms(of: index))
            for e in extras.exemplars[index] ?? [] {
                size += lengthDelimitedSize(field: TimeSeriesField.exemplars, length: exemplarPayloadSize(e))
            }
            payloadSizes.append(size)
            total += lengthDelimitedSize(field: WriteRequestField.timeseries, length: size)
        }
        for m in extras.metadata {
            total += lengthDelimitedSize(field: WriteRequestField.metadata, length: metadataPayloadSize(m))
        }
        return batch.buffer.withUnsafeBytes { buffer in
            buildMessage(size: total) { w in
                for index in batch.series.indices {
                    let entry = batch.series[index]
                    w.writeLengthPrefix(WriteRequestField.timeseries, payloadSizes[index])
                    for i in 0..<Int(entry.labelCount) {
                        let ref = batch.labels[Int(entry.labelStart) + i]
                        // Refs come from the decoder or `append`, which keep them inside the buffer.
                        precondition(Int(ref.nameOffset) + Int(ref.nameLength) <= buffer.count
                                     && Int(ref.valueOffset) + Int(ref.valueLength) <= buffer.count,
                                     "SeriesBatch label ref outside its buffer")
                        let name = UnsafeRawBufferPointer(rebasing: buffer[Int(ref.nameOffset)..<Int(ref.nameOffset + ref.nameLength)])
                        let value = UnsafeRawBufferPointer(rebasing: buffer[Int(ref.valueOffset)..<Int(ref.valueOffset + ref.valueLength)])
                        w.writeLabelField(name: name, value: value)
                    }
                    for s in batch.samples(of: index) { w.writeSampleField(s) }
                    for h in batch.histograms(of: index) { w.writeHistogramField(TimeSeriesField.histograms, h) }
                    for e in extras.exemplars[index] ?? [] {
                        w.writeLengthPrefix(TimeSeriesField.exemplars, exemplarPayloadSize(e))
                        for label in e.labels { w.writeLabelField(label) }
                        if e.value.bitPattern != 0 {
                            w.writeTag(ExemplarField.value, WireType.fixed64)
                            w.writeFixed64(e.value.bitPattern)
                        }
                        if e.timestamp != 0 {
                            w.writeTag(ExemplarField.timestamp, WireType.varint)
                            w.writeVarint(UInt64(bitPattern: e.timestamp))
                        }
                    }
                }
                for m in extras.metadata {
                    w.writeLengthPrefix(WriteRequestField.metadata, metadataPayloadSize(m))
                    if m.type != .unknown {
                        w.writeTag(MetricMetadataField.type, WireType.varint)
                        w.writeVarint(m.type.protobufValue)
                    }
                    for (field, text) in [(MetricMetadataField.metricFamilyName, m.metricFamilyName),
                                          (MetricMetadataField.help, m.help), (MetricMetadataField.unit, m.unit)] where !text.isEmpty {
                        w.writeLengthPrefix(field, text.utf8.count)
                        w.writeUTF8(text)
                    }
                }
            }
        }
    }

    /// Size of an `Exemplar` payload (labels, value unless its bits are zero, timestamp unless 0).
    static func exemplarPayloadSize(_ e: Exemplar) -> Int {
        var size = 0
        for label in e.labels {
            size += lengthDelimitedSize(field: ExemplarField.labels,
                                        length: labelPayloadSize(nameLength: label.name.utf8.count, valueLength: label.value.utf8.count))
        }
        if e.value.bitPattern != 0 { size += tagSize(ExemplarField.value) + 8 }
        if e.timestamp != 0 { size += tagSize(ExemplarField.timestamp) + varintSize(UInt64(bitPattern: e.timestamp)) }
        return size
    }

    /// Size of a `MetricMetadata` payload (empty strings and the unknown type omitted).
    static func metadataPayloadSize(_ m: MetricMetadata) -> Int {
        var size = m.type == .unknown ? 0 : tagSize(MetricMetadataField.type) + varintSize(m.type.protobufValue)
        for text in [m.metricFamilyName, m.help, m.unit] where !text.isEmpty {
            size += lengthDelimitedSize(field: MetricMetadataField.metricFamilyName, length: text.utf8.count)
        }
        return size
    }
}
