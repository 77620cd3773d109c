import StrataModel

/// The wall clock in whole Unix seconds, the resolution of ring heartbeats.
public enum UnixClock {
    /// Now, in Unix seconds.
    @Sendable public static func now() -> Int64 {
        WallClock.nowMilliseconds() / 1000
    }
}
