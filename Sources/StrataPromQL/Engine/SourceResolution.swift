import StrataChunks

/// Which downsampled data a query may read (the `max_source_resolution` query parameter).
public enum SourceResolution: Sendable, Equatable {
    /// Thanos's rule, per selector: a resolution is used once the query step — and, for a range
    /// selector, its range; for an instant query the range alone — is at least 5 times it.
    case auto
    /// At most this resolution in ms, whatever the step (0: raw samples only).
    case maximum(Int64)

    /// The resolutions downsampled blocks have, ms, coarsest first.
    public static let downsampled: [Int64] = [3_600_000, 300_000]
    /// How many windows of a resolution the step or range must span before `auto` uses it.
    public static let autoFactor: Int64 = 5

    /// Parses `auto`, `0`/`raw`, `5m`, `1h` (Thanos's values); nil for anything else.
    public init?(parameter: String) {
        switch parameter {
        case "", "auto": self = .auto
        case "0", "0s", "raw": self = .maximum(0)
        case "5m", "300s", "300000ms": self = .maximum(300_000)
        case "1h", "60m", "3600s": self = .maximum(3_600_000)
        default: return nil
        }
    }

    /// The coarsest resolution a selector may read. `step` is the evaluation step (0 for an
    /// instant query), `range` the range of a range selector (0 for an instant selector).
    func maxResolution(step: Int64, range: Int64) -> Int64 {
        switch self {
        case .maximum(let r): return max(0, r)
        case .auto:
            let window = step <= 0 ? range : (range > 0 ? min(step, range) : step)
            for r in Self.downsampled where window >= r * Self.autoFactor { return r }
            return 0
        }
    }

    /// `raw`, `5m`, `1h` (or milliseconds) for infos and headers.
    public static func name(_ resolution: Int64) -> String {
        switch resolution {
        case 0: return "raw"
        case 300_000: return "5m"
        case 3_600_000: return "1h"
        default: return "\(resolution)ms"
        }
    }
}

extension AggregateView {
    /// The view a range function reads from downsampled data; nil when the function needs raw
    /// samples (`changes` and `resets` count events that windows do not keep).
    static func forRangeFunction(_ name: String) -> AggregateView? {
        switch name {
        case "rate", "increase", "irate": return .counter
        case "max_over_time": return .max
        case "min_over_time": return .min
        case "sum_over_time": return .sum
        case "count_over_time", "present_over_time", "absent_over_time": return .count
        case "changes", "resets": return nil
        default: return .average
        }
    }
}
