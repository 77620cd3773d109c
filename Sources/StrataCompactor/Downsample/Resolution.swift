/// The resolutions of downsampled blocks, in ms, as `meta.json`'s `thanos.downsample.resolution`
/// records them, and the block ranges from which each is made.
public enum Resolution {
    /// Raw samples.
    public static let raw: Int64 = 0
    /// 5-minute windows.
    public static let fiveMinutes: Int64 = 5 * 60 * 1000
    /// 1-hour windows.
    public static let oneHour: Int64 = 60 * 60 * 1000

    /// Raw blocks spanning at least this (40 h) are downsampled to 5m, as in Thanos.
    public static let fiveMinuteSourceRange: Int64 = 40 * 60 * 60 * 1000
    /// 5m blocks spanning at least this (10 days) are downsampled to 1h, as in Thanos.
    public static let oneHourSourceRange: Int64 = 10 * 24 * 60 * 60 * 1000
}

extension Resolution {
    /// `raw`, `5m`, `1h`, or the milliseconds for another value (metric labels, logs).
    public static func name(_ resolution: Int64) -> String {
        switch resolution {
        case raw: return "raw"
        case fiveMinutes: return "5m"
        case oneHour: return "1h"
        default: return "\(resolution)ms"
        }
    }
}
