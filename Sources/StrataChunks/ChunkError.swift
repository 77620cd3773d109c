/// Why chunk bytes could not be decoded or resumed.
public enum ChunkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a valid chunk; the string says where decoding stopped and why.
    case corrupt(String)

    public var description: String {
        switch self {
        case .corrupt(let reason): return "corrupt chunk: \(reason)"
        }
    }
}
