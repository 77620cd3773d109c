/// The lifecycle state of one instance in a ring, with Mimir's names and meaning.
///
/// An instance registers as `JOINING`, is moved to `ACTIVE` once it can take traffic, and goes
/// `LEAVING` while it shuts down. `PENDING` is an instance that registered but has not yet claimed
/// tokens (Mimir's ingester uses it before joining); it is never part of a replication set.
public enum InstanceState: String, Sendable, Codable, CaseIterable, Hashable {
    case active = "ACTIVE"
    case leaving = "LEAVING"
    case pending = "PENDING"
    case joining = "JOINING"
}
