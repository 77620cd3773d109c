/// The HA tracker's settings, with Mimir's flags (`-distributor.ha-tracker.*`) and defaults.
public struct HATrackerConfig: Sendable, Hashable {
    /// `-distributor.ha-tracker.update-timeout`: how old the stored `receivedAt` of the elected
    /// replica may get before a distributor writes a fresh one.
    public static let defaultUpdateTimeout: Duration = .seconds(15)
    /// `-distributor.ha-tracker.update-timeout-jitter-max`: each distributor adds a random jitter
    /// in ±this to the update timeout, so that distributors do not all refresh at once.
    public static let defaultUpdateTimeoutJitterMax: Duration = .seconds(5)
    /// `-distributor.ha-tracker.failover-timeout`: how long the elected replica may send nothing
    /// before another replica is elected.
    public static let defaultFailoverTimeout: Duration = .seconds(30)
    /// `-distributor.ha-tracker.prefix`: Mimir's key prefix, so the tracker's keys do not clash
    /// with rings sharing the store.
    public static let defaultKeyPrefix = "ha-tracker/"
    /// The margin Mimir requires between the failover timeout and update timeout + jitter: the
    /// elected replica's refresh must land before anyone may consider it gone.
    public static let failoverSlack: Duration = .seconds(1)

    /// `-distributor.ha-tracker.enable`: run the tracker at all. Which tenants are deduplicated is
    /// their `accept_ha_samples` limit (default `-distributor.ha-tracker.enable-for-all-users`),
    /// which the distributor checks.
    public var enabled: Bool
    /// See `defaultUpdateTimeout`.
    public var updateTimeout: Duration
    /// See `defaultUpdateTimeoutJitterMax`.
    public var updateTimeoutJitterMax: Duration
    /// See `defaultFailoverTimeout`.
    public var failoverTimeout: Duration
    /// Prepended to `<tenant>/<cluster>` inside the store (after the store's own prefix, if any).
    public var keyPrefix: String

    /// Creates a configuration; defaults are Mimir's (tracker off).
    public init(
        enabled: Bool = false,
        updateTimeout: Duration = HATrackerConfig.defaultUpdateTimeout,
        updateTimeoutJitterMax: Duration = HATrackerConfig.defaultUpdateTimeoutJitterMax,
        failoverTimeout: Duration = HATrackerConfig.defaultFailoverTimeout,
        keyPrefix: String = HATrackerConfig.defaultKeyPrefix
    ) {
        self.enabled = enabled
        self.updateTimeout = updateTimeout
        self.updateTimeoutJitterMax = updateTimeoutJitterMax
        self.failoverTimeout = failoverTimeout
        self.keyPrefix = keyPrefix
    }

    /// Checks Mimir's rules: the jitter is not negative, and the failover timeout is at least
    /// update timeout + max jitter + 1 s. Strata also requires a positive update timeout (zero
    /// would write to the KV store on every push).
    public func validate() throws(HATrackerError) {
        guard updateTimeout > .zero else {
            throw .invalidConfig("-distributor.ha-tracker.update-timeout must be positive, got \(updateTimeout)")
        }
        guard updateTimeoutJitterMax >= .zero else {
            throw .invalidConfig("-distributor.ha-tracker.update-timeout-jitter-max must not be negative, got \(updateTimeoutJitterMax)")
        }
        let minimum = updateTimeout + updateTimeoutJitterMax + HATrackerConfig.failoverSlack
        guard failoverTimeout >= minimum else {
            throw .invalidConfig(
                "-distributor.ha-tracker.failover-timeout (\(failoverTimeout)) must be at least update-timeout + update-timeout-jitter-max + \(HATrackerConfig.failoverSlack) = \(minimum)")
        }
    }
}
