/// Appends MSB-first bit fields to chunk bytes (Prometheus `bstream` order), keeping track of
/// the unused low bits of the last byte. The histogram chunks write through it; `XORChunk` keeps
/// its own inlined copy of the same logic for its hot path.
struct BitWriter: Sendable {
    /// The bytes written so far; the last byte's low `bitsFree` bits are zero.
    var bytes: [UInt8]
    /// Unused low bits of the last byte (0 when the stream ends on a byte boundary).
    var bitsFree: Int = 0

    /// Continues after `bytes`, all of whose bits are taken.
    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Writes the low `n` bits (1...64) of `value`, MSB first.
    @inline(__always)
    mutating func write(_ value: UInt64, _ n: Int) {
        var remaining = n
        var free = bitsFree
        while remaining > 0 {
            if free == 0 {
                bytes.append(0)
                free = 8
            }
            let k = min(free, remaining)
            let part = UInt8(truncatingIfNeeded: value >> UInt64(remaining - k)) & UInt8(truncatingIfNeeded: (1 << k) - 1)
            bytes[bytes.count - 1] |= part << UInt8(free - k)
            free -= k
            remaining -= k
        }
        bitsFree = free
    }

    /// Writes one bit.
    @inline(__always)
    mutating func writeBit(_ bit: Bool) { write(bit ? 1 : 0, 1) }
}
