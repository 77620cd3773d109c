/// 32-bit FNV-1a, the hash that places keys on Strata's rings as on Mimir's: series (tenant and
/// labels, by the distributor) and block IDs (by the store-gateways).
public enum FNV1a32 {
    /// The hash of no bytes.
    public static let offsetBasis: UInt32 = 2_166_136_261
    /// The multiplier applied after each byte.
    public static let prime: UInt32 = 16_777_619

    /// `hash` continued over `bytes`.
    @inlinable
    public static func add(_ hash: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h = hash
        for byte in bytes {
            h ^= UInt32(byte)
            h = h &* prime
        }
        return h
    }

    /// `hash` continued over the UTF-8 bytes of `string`.
    public static func add(_ hash: UInt32, _ string: String) -> UInt32 {
        var string = string
        return string.withUTF8 { add(hash, UnsafeRawBufferPointer($0)) }
    }

    /// The hash of the UTF-8 bytes of `string`.
    public static func hash(_ string: String) -> UInt32 {
        add(offsetBasis, string)
    }
}
