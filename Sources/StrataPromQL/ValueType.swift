/// The type of value a PromQL expression evaluates to.
public enum ValueType: Sendable, Hashable, CustomStringConvertible {
    /// A single float with no labels.
    case scalar
    /// A string literal.
    case string
    /// An instant vector: one sample per series.
    case vector
    /// A range vector: a window of samples per series.
    case matrix

    /// The name Prometheus's documentation uses: `scalar`, `string`, `instant vector`, `range vector`.
    public var description: String {
        switch self {
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "instant vector"
        case .matrix: return "range vector"
        }
    }

    /// The internal name Prometheus prints in some messages: `scalar`, `string`, `vector`, `matrix`.
    public var internalName: String {
        switch self {
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "vector"
        case .matrix: return "matrix"
        }
    }
}
