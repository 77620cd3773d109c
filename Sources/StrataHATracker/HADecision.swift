/// What `HATracker.checkReplica` decided for a push it accepts (refusals are `HATrackerError`s).
///
/// Either way the caller keeps the push's samples and removes the replica label from every series
/// (the cluster label stays), so a series does not change when the elected replica does.
public enum HADecision: Sendable, Hashable {
    /// The replica was already the elected one.
    case accepted
    /// This push elected the replica: the cluster was new (`previous` nil), or the previously
    /// elected replica `previous` had sent nothing for the failover timeout.
    case elected(previous: String?)
}
