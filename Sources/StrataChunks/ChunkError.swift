/// Why chunk bytes could not be decoded or resumed.
public enum ChunkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a valid chunk; the string says where decoding stopped and why.
    case corrupt(String)
    /// A chunk's encoding byte is not one Strata can decode.
    case unsupportedEncoding(UInt8)

    public var description: String {
        switch self {
        case .corrupt(let reason): return "corrupt chunk: \(reason)"
        case .unsupportedEncoding(let raw): return "unsupported chunk encoding \(raw)"
        }
    }
}
