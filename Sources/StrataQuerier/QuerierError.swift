import StrataModel

/// Why the querier could not read the ingesters' data; each message names the instances involved.
public enum QuerierError: Error, Sendable, CustomStringConvertible {
    /// No ingester on the ring can serve reads.
    case noIngesters(registered: Int)
    /// More instances (or zones) have a stale heartbeat than replication can cover.
    case tooManyUnhealthy(unhealthy: [String], tolerated: Int, unit: String)
    /// An ingester failed and the read could not absorb it.
    case ingesterFailed(instance: String, address: String, reason: String)

    public var description: String {
        switch self {
        case .noIngesters(let registered):
            return "no ingester can serve reads (\(registered) registered in the ring): check the ingesters and /ingester/ring"
        case .tooManyUnhealthy(let unhealthy, let tolerated, let unit):
            return "too many unhealthy ingesters (\(unhealthy.joined(separator: ", "))): at most \(tolerated) \(unit) may be "
                + "down with the configured replication factor; restart them or forget them on /ingester/ring"
        case .ingesterFailed(let instance, let address, let reason):
            return "ingester \(instance) (\(address)) failed and too many replicas are missing to answer: \(reason)"
        }
    }
}
