import Synchronization

/// A ULID: 48-bit Unix time in ms followed by 80 random bits, written as 26 Crockford base32
/// characters. Block directories are named by it, so lexical order is creation order.
public struct ULID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 128 bits, time in the top 48.
    public let rawValue: UInt128

    /// Crockford's base32 alphabet (no I, L, O, U).
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    /// Characters of the text form.
    public static let textLength = 26
    /// Bits of randomness below the timestamp.
    static let randomBits = 80
    /// The largest timestamp a ULID can carry.
    public static let maxTime: UInt64 = (1 << 48) - 1

    /// Wraps 128 raw bits.
    public init(rawValue: UInt128) { self.rawValue = rawValue }

    /// Builds a ULID from a ms timestamp (low 48 bits used) and 80 bits of entropy.
    public init(timestamp: UInt64, random: UInt128) {
        let mask: UInt128 = (1 << UInt128(Self.randomBits)) - 1
        rawValue = UInt128(timestamp & Self.maxTime) << UInt128(Self.randomBits) | (random & mask)
    }

    /// The creation time in ms since the Unix epoch.
    public var timestamp: UInt64 { UInt64(truncatingIfNeeded: rawValue >> UInt128(Self.randomBits)) }

    /// Parses the 26-character text form (case-insensitive); nil if it is not a ULID.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == Self.textLength else { return nil }
        var v: UInt128 = 0
        for (i, c) in utf8.enumerated() {
            guard let d = Self.decodeDigit(c) else { return nil }
            // 26 × 5 = 130 bits: the first character may only carry 3.
            if i == 0 && d > 7 { return nil }
            v = v << 5 | UInt128(d)
        }
        rawValue = v
    }

    private static func decodeDigit(_ c: UInt8) -> UInt8? {
        var upper = c
        if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") { upper = c - 32 }
        guard let i = alphabet.firstIndex(of: upper) else { return nil }
        return UInt8(i)
    }

    /// The 26-character text form.
    public var description: String {
        var chars = [UInt8](repeating: 0, count: Self.textLength)
        var v = rawValue
        for i in stride(from: Self.textLength - 1, through: 0, by: -1) {
            chars[i] = Self.alphabet[Int(v & 0x1f)]
            v >>= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }

    public static func < (lhs: ULID, rhs: ULID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Last ULID handed out by `make`, for monotonicity within the process.
    private static let last = Mutex<ULID?>(nil)

    /// A new ULID for `timestamp` (ms). Within one millisecond (or if the clock steps back) the
    /// previous ULID is incremented instead, so ULIDs made by one process strictly increase.
    public static func make(timestamp: UInt64) -> ULID {
        var rng = SystemRandomNumberGenerator()
        let random = UInt128(rng.next() as UInt64) << 64 | UInt128(rng.next() as UInt64)
        return last.withLock { last in
            var next = ULID(timestamp: timestamp, random: random)
            if let prev = last, next <= prev, prev.rawValue < UInt128.max {
                next = ULID(rawValue: prev.rawValue + 1)
            }
            last = next
            return next
        }
    }
}
