/// The whole ring: every registered instance by ID. This is the value stored under a ring's KV key.
public struct RingDesc: Sendable, Hashable {
    /// Instances by ID. Each value's `id` equals its key.
    public var instances: [String: InstanceDesc]

    /// Creates a ring with the given instances.
    public init(instances: [String: InstanceDesc] = [:]) {
        self.instances = instances
    }

    /// Every token already owned by some instance, for generating new tokens without collisions.
    public var allTokens: Set<UInt32> {
        var all = Set<UInt32>()
        all.reserveCapacity(instances.values.reduce(0) { $0 + $1.tokens.count })
        for instance in instances.values { all.formUnion(instance.tokens) }
        return all
    }

    /// Inserts or replaces `instance` under its ID.
    public mutating func upsert(_ instance: InstanceDesc) {
        instances[instance.id] = instance
    }

    /// Removes the instance with `id`; returns whether it was present.
    @discardableResult
    public mutating func remove(id: String) -> Bool {
        instances.removeValue(forKey: id) != nil
    }
}
