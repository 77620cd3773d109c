/// The ring prepared for lookups: all tokens in one sorted array with the index of their owner.
///
/// Built once per ring change (`init(ring:)`), then shared by every lookup; a lookup is a binary
/// search plus a short clockwise walk and allocates only the result.
public struct RingLookup: Sendable {
    /// Instances sorted by ID; `owners` indexes into this array.
    public let instances: [InstanceDesc]
    /// Every token of every instance, ascending.
    public let tokens: [UInt32]
    /// `owners[i]` is the index in `instances` of the instance owning `tokens[i]`.
    let owners: [Int32]
    /// Zone of each instance as a small integer, so the walk compares integers, not strings.
    let zoneIndex: [Int32]
    /// The number of distinct zones.
    public let zoneCount: Int

    /// Builds the lookup structure for `ring`. If two instances claim the same token (only possible
    /// through a concurrent join or a hand-edited value), the instance with the smaller ID keeps it.
    public init(ring: RingDesc) {
        let sortedInstances = ring.instances.values.sorted { $0.id < $1.id }
        var zoneIDs: [String: Int32] = [:]
        var zoneIndex: [Int32] = []
        zoneIndex.reserveCapacity(sortedInstances.count)
        for instance in sortedInstances {
            if let known = zoneIDs[instance.zone] {
                zoneIndex.append(known)
            } else {
                let next = Int32(zoneIDs.count)
                zoneIDs[instance.zone] = next
                zoneIndex.append(next)
            }
        }
        var pairs: [(token: UInt32, owner: Int32)] = []
        pairs.reserveCapacity(sortedInstances.reduce(0) { $0 + $1.tokens.count })
        for (index, instance) in sortedInstances.enumerated() {
            for token in instance.tokens { pairs.append((token, Int32(index))) }
        }
        pairs.sort { $0.token != $1.token ? $0.token < $1.token : $0.owner < $1.owner }
        var tokens: [UInt32] = []
        var owners: [Int32] = []
        tokens.reserveCapacity(pairs.count)
        owners.reserveCapacity(pairs.count)
        for pair in pairs where tokens.last != pair.token {
            tokens.append(pair.token)
            owners.append(pair.owner)
        }
        self.instances = sortedInstances
        self.tokens = tokens
        self.owners = owners
        self.zoneIndex = zoneIndex
        self.zoneCount = zoneIDs.count
    }

    /// The index of the first token at or clockwise after `key` (wrapping to 0 past the last token).
    func firstTokenIndex(atOrAfter key: UInt32) -> Int {
        var low = 0
        var high = tokens.count
        while low < high {
            let mid = (low + high) >> 1
            if tokens[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low == tokens.count ? 0 : low
    }

    /// The replication set for `key`: walking clockwise from the key, the first
    /// `replicationFactor` distinct instances healthy for `operation` (in distinct zones when zone
    /// awareness is on). Throws when fewer than a quorum are found.
    public func replicationSet(
        forKey key: UInt32, operation: RingOperation, config: RingConfig, now: Int64
    ) throws(RingError) -> ReplicationSet {
        guard !tokens.isEmpty else { throw .emptyRing }
        let wanted = config.zoneAwarenessEnabled
            ? min(config.replicationFactor, zoneCount) : config.replicationFactor
        var chosen: [Int32] = []
        chosen.reserveCapacity(wanted)
        var usedZones: [Int32] = []
        var position = firstTokenIndex(atOrAfter: key)
        var visited = 0
        while visited < tokens.count && chosen.count < wanted {
            let owner = owners[position]
            position += 1
            if position == tokens.count { position = 0 }
            visited += 1
            if chosen.contains(owner) { continue }
            let zone = zoneIndex[Int(owner)]
            if config.zoneAwarenessEnabled && usedZones.contains(zone) { continue }
            let instance = instances[Int(owner)]
            guard instance.isHealthy(for: operation, now: now, heartbeatTimeout: config.heartbeatTimeout)
            else { continue }
            chosen.append(owner)
            usedZones.append(zone)
        }
        if operation == .blocksSync {
            // Ownership, not a request: whoever is found owns the key, however few they are.
            guard !chosen.isEmpty else { throw .tooFewHealthyInstances(operation: operation, required: 1, found: 0) }
            return ReplicationSet(instances: chosen.map { instances[Int($0)] }, maxErrors: 0, maxUnavailableZones: 0)
        }
        let quorum = ReplicationSet.quorum(replicationFactor: config.replicationFactor)
        if config.zoneAwarenessEnabled {
            // Quorum counts zones: with RF 3 over 3 zones, 2 zones must answer, 1 may be lost.
            let zonesNeeded = min(quorum, max(1, min(config.replicationFactor, zoneCount)))
            guard usedZones.count >= zonesNeeded else {
                throw .tooFewHealthyInstances(operation: operation, required: zonesNeeded, found: usedZones.count)
            }
            return ReplicationSet(
                instances: chosen.map { instances[Int($0)] }, maxErrors: 0,
                maxUnavailableZones: usedZones.count - zonesNeeded)
        }
        let needed = min(quorum, config.replicationFactor)
        guard chosen.count >= needed else {
            throw .tooFewHealthyInstances(operation: operation, required: needed, found: chosen.count)
        }
        return ReplicationSet(
            instances: chosen.map { instances[Int($0)] }, maxErrors: chosen.count - needed,
            maxUnavailableZones: 0)
    }

    /// The share of the token space (0…1) each instance owns, by instance ID. A token owns the
    /// range from the previous token (exclusive) up to itself, because keys map clockwise.
    public func ownership() -> [String: Double] {
        var owned = [UInt64](repeating: 0, count: instances.count)
        guard let last = tokens.last else { return [:] }
        var previous = last
        for (index, token) in tokens.enumerated() {
            // Wrapping subtraction gives the arc length, including the arc across zero.
            let span = token &- previous
            owned[Int(owners[index])] += tokens.count == 1 ? (UInt64(1) << 32) : UInt64(span)
            previous = token
        }
        let total = Double(UInt64(1) << 32)
        var shares: [String: Double] = [:]
        for (index, instance) in instances.enumerated() {
            shares[instance.id] = Double(owned[index]) / total
        }
        return shares
    }
}
