/// The `err-strata-<reason>` IDs of the HA tracker's errors.
///
/// They belong in `StrataModel.ErrorID` (and `docs/errors.md`); until they are added there they
/// live here, with the same spelling, so that swapping them over changes no message.
public enum HATrackerErrorID: String, Sendable, CaseIterable {
    /// A push would add an HA cluster beyond the tenant's `-distributor.ha-tracker.max-clusters`
    /// (Mimir's `err-mimir-tenant-too-many-ha-clusters`).
    case tooManyClusters = "tenant-too-many-ha-clusters"
    /// The HA tracker's KV store could not be read or written.
    case kvUnavailable = "ha-tracker-kv-unavailable"
    /// The HA tracker's KV store holds a value that is not a replica description.
    case corruptValue = "ha-tracker-corrupt-value"

    /// The full ID as it appears in messages: `err-strata-<reason>`.
    public var id: String { "err-strata-" + rawValue }
}
