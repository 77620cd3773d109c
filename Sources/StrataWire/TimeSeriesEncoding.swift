import StrataModel

// Sizing and writing of `prometheus.TimeSeries` and its `Label` / `Sample` sub-messages, shared
// by the remote-write encoder and the remote-read response encoder.
//
// proto3 omits fields holding their default value, as Prometheus does: empty strings and zero
// timestamps are not written. A double is omitted only when its bits are zero, so -0.0 survives.

/// Size of a `Label` message's payload.
@inline(__always)
func labelPayloadSize(nameLength: Int, valueLength: Int) -> Int {
    (nameLength > 0 ? lengthDelimitedSize(field: LabelField.name, length: nameLength) : 0)
        + (valueLength > 0 ? lengthDelimitedSize(field: LabelField.value, length: valueLength) : 0)
}

/// Size of a `Sample` message's payload.
@inline(__always)
func samplePayloadSize(_ s: Sample) -> Int {
    (s.value.bitPattern != 0 ? tagSize(SampleField.value) + 8 : 0)
        + (s.timestamp != 0 ? tagSize(SampleField.timestamp) + varintSize(UInt64(bitPattern: s.timestamp)) : 0)
}

/// Size of the `samples` fields of a series.
@inline(__always)
func samplesFieldsSize(_ samples: some Collection<Sample>) -> Int {
    var size = 0
    for s in samples {
        size += lengthDelimitedSize(field: TimeSeriesField.samples, length: samplePayloadSize(s))
    }
    return size
}

/// Size of the `histograms` fields of a series.
@inline(__always)
func histogramsFieldsSize(_ histograms: some Collection<HistogramPoint>) -> Int {
    var size = 0
    for h in histograms {
        size += lengthDelimitedSize(field: TimeSeriesField.histograms, length: HistogramWireCodec.payloadSize(h))
    }
    return size
}

/// Size of a `TimeSeries` payload built from `Labels`.
@inline(__always)
func timeSeriesPayloadSize(labels: Labels, samples: some Collection<Sample>,
                           histograms: some Collection<HistogramPoint> = EmptyCollection<HistogramPoint>()) -> Int {
    var size = 0
    for label in labels {
        let payload = labelPayloadSize(nameLength: label.name.utf8.count, valueLength: label.value.utf8.count)
        size += lengthDelimitedSize(field: TimeSeriesField.labels, length: payload)
    }
    return size + samplesFieldsSize(samples) + histogramsFieldsSize(histograms)
}

extension ProtoWriter {
    /// Writes one `samples` field of a TimeSeries.
    @inline(__always)
    mutating func writeSampleField(_ s: Sample) {
        writeLengthPrefix(TimeSeriesField.samples, samplePayloadSize(s))
        if s.value.bitPattern != 0 {
            writeTag(SampleField.value, WireType.fixed64)
            writeFixed64(s.value.bitPattern)
        }
        if s.timestamp != 0 {
            writeTag(SampleField.timestamp, WireType.varint)
            writeVarint(UInt64(bitPattern: s.timestamp))
        }
    }

    /// Writes one `labels` field of a TimeSeries from raw name and value bytes.
    @inline(__always)
    mutating func writeLabelField(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        writeLengthPrefix(TimeSeriesField.labels, labelPayloadSize(nameLength: name.count, valueLength: value.count))
        if !name.isEmpty {
            writeLengthPrefix(LabelField.name, name.count)
            writeBytes(name)
        }
        if !value.isEmpty {
            writeLengthPrefix(LabelField.value, value.count)
            writeBytes(value)
        }
    }

    /// Writes one `labels` field of a TimeSeries from a `Label`.
    @inline(__always)
    mutating func writeLabelField(_ label: Label) {
        let nameLength = label.name.utf8.count
        let valueLength = label.value.utf8.count
        writeLengthPrefix(TimeSeriesField.labels, labelPayloadSize(nameLength: nameLength, valueLength: valueLength))
        if nameLength > 0 {
            writeLengthPrefix(LabelField.name, nameLength)
            writeUTF8(label.name)
        }
        if valueLength > 0 {
            writeLengthPrefix(LabelField.value, valueLength)
            writeUTF8(label.value)
        }
    }

    /// Writes a whole `TimeSeries` field (tag, length, payload) whose payload size is known.
    @inline(__always)
    mutating func writeTimeSeriesField(_ field: Int, payloadSize: Int, labels: Labels, samples: some Collection<Sample>,
                                       histograms: some Collection<HistogramPoint> = EmptyCollection<HistogramPoint>()) {
        writeLengthPrefix(field, payloadSize)
        for label in labels { writeLabelField(label) }
        for s in samples { writeSampleField(s) }
        for h in histograms { writeHistogramField(TimeSeriesField.histograms, h) }
    }
}
