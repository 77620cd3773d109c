import Prometheus
import StrataRing

/// Mimir's ring gauges under the `strata_` prefix, set from the rings this process holds when
/// `/metrics` is scraped:
///
/// - `strata_ring_members{name, state}`: instances per state (`ACTIVE`, `JOINING`, `LEAVING`,
///   `PENDING`), or `Unhealthy` (Mimir's spelling) when the heartbeat is older than the ring's
///   heartbeat timeout, whatever the state. Every state is published, 0 when empty.
/// - `strata_ring_oldest_member_timestamp{name, state}`: the oldest last heartbeat (Unix
///   seconds) among those instances, 0 when there are none.
///
/// `name` is the ring: `ingester`, `store-gateway`, `distributor` or `compactor`. Every process
/// holding a ring publishes it, so dashboards aggregate with `max by (name, state)`.
enum RingMetrics {
    /// The `state` of an instance past the heartbeat timeout (Mimir's value).
    static let unhealthy = "Unhealthy"

    /// Every `state` value, in the order published.
    static let states = InstanceState.allCases.map(\.rawValue) + [unhealthy]

    /// The members of one state.
    struct Members: Equatable {
        /// Instances in the state.
        var count = 0
        /// The oldest last heartbeat among them, Unix seconds; 0 when none.
        var oldestHeartbeat: Int64 = 0
    }

    /// The members of `desc` by state at `now` (Unix seconds), every state present.
    static func members(_ desc: RingDesc, now: Int64, heartbeatTimeout: Duration) -> [String: Members] {
        var out = Dictionary(uniqueKeysWithValues: states.map { ($0, Members()) })
        for instance in desc.instances.values {
            let state = instance.isHeartbeatFresh(now: now, heartbeatTimeout: heartbeatTimeout) ? instance.state.rawValue : unhealthy
            var m = out[state] ?? Members()
            m.count += 1
            if m.oldestHeartbeat == 0 || instance.heartbeatTimestamp < m.oldestHeartbeat {
                m.oldestHeartbeat = instance.heartbeatTimestamp
            }
            out[state] = m
        }
        return out
    }

    /// Sets the gauges of each named ring in `registry`.
    static func publish(_ rings: [(name: String, ring: Ring)], registry: PrometheusCollectorRegistry, now: Int64 = UnixClock.now()) {
        let membersHelp = MetricNameDescriptor(metricName: "strata_ring_members", unitName: "",
                                               helpText: "Number of members in the ring, by state (Unhealthy: heartbeat older than the timeout).")
        let oldestHelp = MetricNameDescriptor(metricName: "strata_ring_oldest_member_timestamp", unitName: "",
                                              helpText: "Timestamp of the oldest member in the ring, by state.")
        for (name, ring) in rings {
            let byState = members(ring.desc, now: now, heartbeatTimeout: ring.config.heartbeatTimeout)
            for state in states {
                let m = byState[state] ?? Members()
                let labels = [("name", name), ("state", state)]
                registry.makeGauge(descriptor: membersHelp, labels: labels).set(to: Double(m.count))
                registry.makeGauge(descriptor: oldestHelp, labels: labels).set(to: Double(m.oldestHeartbeat))
            }
        }
    }
}
