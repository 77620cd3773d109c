import Logging
import StrataCardinality
import StrataHTTP
import StrataModel
import StrataObjstore
import StrataQuerier

/// The cardinality API's wiring: the query log of metric names and where the statistics come from.
extension ServerComponents {
    /// The query log: where a querier records the metric names its queries touch, and where any
    /// process with the bucket reads every querier's files. The instance name is
    /// `<-querier.id or hostname>-<HTTP port>`, so queriers sharing a host write distinct files.
    static func makeQueryLog(config: StrataConfig, targets: Targets, bucket: (any Bucket)?, logger: Logger) -> QueriedMetricsLog? {
        guard bucket != nil || targets.runs(.querier) else { return nil }
        return QueriedMetricsLog(bucket: bucket, instance: "\(querierID(config))-\(config.server.httpListenPort)", logger: logger)
    }

    /// The querier's storage with every read recorded in the query log (unchanged without one).
    func recordingQueries(_ queryable: (any Queryable)?) -> (any Queryable)? {
        guard let queryable, let queryLog, targets.runs(.querier) else { return queryable }
        return QueryRecordingQueryable(inner: queryable, log: queryLog)
    }

    /// The cardinality API of this process and the history of the bucket. The in-memory series
    /// are those of every ingester of the ring, merged, where a querier reads a shared ring;
    /// otherwise those of this process's ingester (`-target=all`: all of them; an ingester alone
    /// in a cluster: its share of each tenant). Nil when the process has neither (a distributor alone).
    func cardinalityAPI() -> CardinalityAPI? {
        guard ingester != nil || bucket != nil else { return nil }
        var source: (any CardinalitySource)? = ingester
        if targets.runs(.querier), !ingesterInProcess, let ring = ingesterRing, let peers {
            source = RingReplicasCardinalitySource(ring: ring, timeout: config.querier.timeout,
                                                   clients: { peers.cardinality(at: $0.address) }, logger: logger)
        }
        return CardinalityAPI(source: source,
                              history: CardinalityHistoryReader(bucket: bucket, source: source, log: queryLog),
                              timeout: config.querier.timeout)
    }
}
