/// The election rule applied to the value in the KV store, inside a compare-and-swap: the one place
/// where a replica is elected, refreshed or refused against the shared state.
enum HAElection {
    /// What a push gets when the KV value decides.
    enum Outcome: Sendable, Hashable {
        case accepted
        case elected(previous: String?)
        case refused(elected: String)
    }

    /// The outcome and the value to write (nil: leave the stored value as it is).
    struct Step: Sendable, Hashable {
        let outcome: Outcome
        let write: ReplicaDesc?
    }

    /// Decides for a push from `replica` at `now` (ms) given the stored value `current`.
    ///
    /// - No value, or one marked deleted: `replica` is elected.
    /// - `replica` is elected: accepted; `receivedAt` is rewritten only when it is at least
    ///   `updateTimeout` old, so the store sees one write per update timeout, not one per push.
    /// - Another replica is elected: refused while its `receivedAt` is younger than
    ///   `failoverTimeout`; after that `replica` is elected and `electedChanges` grows by one.
    static func decide(
        current: ReplicaDesc?, replica: String, now: Int64, updateTimeout: Int64, failoverTimeout: Int64
    ) -> Step {
        guard let current, !current.isMarkedDeleted else {
            return Step(outcome: .elected(previous: nil), write: ReplicaDesc(replica: replica, receivedAt: now, electedAt: now))
        }
        // A negative age (another distributor's clock ahead of ours) counts as fresh.
        let age = now - current.receivedAt
        if current.replica == replica {
            guard age >= updateTimeout else { return Step(outcome: .accepted, write: nil) }
            var refreshed = current
            refreshed.receivedAt = now
            return Step(outcome: .accepted, write: refreshed)
        }
        guard age >= failoverTimeout else {
            return Step(outcome: .refused(elected: current.replica), write: nil)
        }
        return Step(
            outcome: .elected(previous: current.replica),
            write: ReplicaDesc(replica: replica, receivedAt: now, electedAt: now, electedChanges: current.electedChanges + 1))
    }
}
