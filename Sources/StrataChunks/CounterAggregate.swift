import StrataModel

/// Reads the counter aggregate of consecutive aggregate chunks as one monotonic series, the way
/// Thanos's `ApplyCounterResetsSeriesIterator` does, so that `rate` and `increase` over
/// downsampled data see every reset of the raw counter, also between chunks.
///
/// Each chunk's counter samples are: its first raw value, one running total per window, and its
/// last raw value again at the last window's timestamp. A later sample with a higher timestamp
/// adds its rise to the total (or, when it fell, its whole value: a reset); a sample at the same
/// timestamp is the chunk's true last raw value, kept to compare with the next chunk's first.
public struct CounterAggregate: Sendable {
    /// The monotonic total at each timestamp, in order.
    public private(set) var samples: [Sample] = []
    /// The last raw value seen (the true value of the counter at the end).
    public private(set) var lastRawValue: Double = 0

    private var lastTimestamp: Int64 = .min
    private var lastValue: Double = 0
    private var total: Double = 0

    /// An empty reader.
    public init() {}

    /// Adds the counter samples of the next chunk. Samples that go back in time, and NaNs, are
    /// skipped, as Thanos skips them.
    public mutating func add(_ chunk: [Sample]) {
        for s in chunk where !s.value.isNaN {
            if samples.isEmpty {
                total = s.value
            } else if s.timestamp > lastTimestamp {
                total += s.value >= lastValue ? s.value - lastValue : s.value
            } else {
                if s.timestamp == lastTimestamp {
                    lastValue = s.value
                    lastRawValue = s.value
                }
                continue
            }
            lastTimestamp = s.timestamp
            lastValue = s.value
            lastRawValue = s.value
            samples.append(Sample(timestamp: s.timestamp, value: total))
        }
    }
}
