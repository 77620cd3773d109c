/// One float sample: a timestamp in milliseconds since the Unix epoch and a value.
public struct Sample: Hashable, Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var timestamp: Int64
    /// The sample value; may be a staleness marker (see `StaleNaN`).
    public var value: Double

    /// Creates a sample.
    @inlinable
    public init(timestamp: Int64, value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    /// Bitwise equality, so that NaN samples (and staleness markers) compare equal to themselves.
    @inlinable
    public func isIdentical(to other: Sample) -> Bool {
        timestamp == other.timestamp && value.bitPattern == other.value.bitPattern
    }
}

/// Prometheus's staleness marker: a NaN with a fixed bit pattern that marks a series as gone.
public enum StaleNaN {
    /// The bit pattern Prometheus writes for a stale sample.
    public static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002
    /// The marker as a `Double`.
    public static let value = Double(bitPattern: bitPattern)

    /// True when `v` is exactly the staleness marker.
    @inlinable
    public static func isStale(_ v: Double) -> Bool { v.bitPattern == 0x7ff0_0000_0000_0002 }
}
