import StrataModel

/// Why the querier could not read a ring's replicas; each message names the ring and instances.
public enum QuerierError: Error, Sendable, CustomStringConvertible {
    /// No instance of the ring can serve reads.
    case noInstances(ring: String, registered: Int)
    /// More instances (or zones) have a stale heartbeat than replication can cover.
    case tooManyUnhealthy(ring: String, unhealthy: [String], tolerated: Int, unit: String)
    /// An instance failed and the read could not absorb it.
    case instanceFailed(ring: String, instance: String, address: String, reason: String)

    public var description: String {
        switch self {
        case .noInstances(let ring, let registered):
            return "no instance of the \(Self.name(ring)) ring can serve reads (\(registered) registered): check them and /\(Self.name(ring))/ring"
        case .tooManyUnhealthy(let ring, let unhealthy, let tolerated, let unit):
            return "too many unhealthy instances in the \(Self.name(ring)) ring (\(unhealthy.joined(separator: ", "))): at most \(tolerated) \(unit) may be "
                + "down with the configured replication factor; restart them or forget them on /\(Self.name(ring))/ring"
        case .instanceFailed(let ring, let instance, let address, let reason):
            return "\(Self.name(ring)) \(instance) (\(address)) failed and too many replicas are missing to answer: \(reason)"
        }
    }

    /// The role a ring key belongs to, as its status page names it.
    static func name(_ ringKey: String) -> String {
        ringKey == "ring" ? "ingester" : ringKey
    }
}
