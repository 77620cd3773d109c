/// What a replication set is looked up for; decides which instance states may serve it.
///
/// Mimir's semantics: writes go only to `ACTIVE` instances that are not read-only; reads may also
/// use `LEAVING` instances, which still hold data while they hand over.
public enum RingOperation: Sendable, Hashable {
    /// A write (distributor → ingester push).
    case write
    /// A read (querier → ingester or store-gateway).
    case read
    /// Which store-gateways should hold a block (Mimir's `BlocksOwnerSync`): a JOINING
    /// store-gateway loads its blocks before it turns ACTIVE, a LEAVING one keeps them.
    case blocksSync

    /// The states an instance must be in to take part in this operation.
    public var allowedStates: Set<InstanceState> {
        switch self {
        case .write: [.active]
        case .read: [.active, .leaving]
        case .blocksSync: [.joining, .active, .leaving]
        }
    }

    /// Whether `instance`'s state (and read-only flag, for writes) allows this operation.
    public func allows(_ instance: InstanceDesc) -> Bool {
        switch self {
        case .write: instance.state == .active && !instance.readOnly
        case .read: instance.state == .active || instance.state == .leaving
        case .blocksSync: instance.state == .joining || instance.state == .active || instance.state == .leaving
        }
    }
}
