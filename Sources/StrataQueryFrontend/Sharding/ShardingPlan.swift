import StrataModel
import StrataPromQL

/// A query rewritten for sharding: an outer expression the frontend evaluates itself, and the
/// queries ("legs") whose results it reads instead of storage.
///
/// The outer expression refers to leg `k` through the vector selector
/// `__embedded_queries__{__leg__="k"}` (see `ShardingPlan.embeddedMetricName`); an
/// `EmbeddedQueryable` answers those selectors from the legs' results. A sharded leg holds N
/// shard queries, one per `__query_shard__="i_of_N"`; a whole leg holds one query for a part of
/// the expression that reads storage but cannot be sharded, so the frontend's engine never
/// reads storage itself.
public struct ShardingPlan: Sendable {
    /// One leg: the queries whose results together are the series of one embedded selector.
    public struct Leg: Sendable, Hashable {
        /// The query texts: one per shard for a sharded leg, one for a whole leg.
        public var queries: [String]
        /// Whether the queries are the shards of one aggregation (else: one whole query).
        public var isSharded: Bool
        /// Whether each shard's series get the label `ShardingPlan.shardLabel` (value
        /// `i_of_N`), so that equal label sets of different shards stay distinct series for
        /// the merge, which drops the label again. Off for whole legs and for `topk`/`bottomk`,
        /// whose shards return distinct input series and whose merge keeps every label.
        public var labelsShards: Bool

        /// Creates a leg.
        public init(queries: [String], isSharded: Bool, labelsShards: Bool) {
            self.queries = queries
            self.isSharded = isSharded
            self.labelsShards = labelsShards
        }
    }

    /// Metric name of the selectors that stand for legs in the outer expression (Mimir's name).
    /// Every selector of the user's query ends up inside a leg, so the outer expression holds
    /// no other selectors and a user's metric of this name cannot be mistaken for a leg.
    public static let embeddedMetricName = "__embedded_queries__"
    /// Label of an embedded selector's matcher naming its leg: `__leg__="<index>"`.
    public static let legLabel = "__leg__"
    /// Label that replaces `legLabel` in the printed rewrite (`QueryStats.rewrittenQuery`), with
    /// the leg's queries as a JSON array of strings, as Mimir prints embedded queries.
    public static let queriesLabel = "__queries__"
    /// Label an `EmbeddedQueryable` adds to the series of a leg with `labelsShards`; the merge
    /// expression drops it (by grouping `by` the original labels, or listing it in `without`).
    public static let shardLabel = "__embedded_shard__"

    /// The expression the frontend evaluates over an `EmbeddedQueryable` of the legs' results.
    public var expr: Expr
    /// The legs, indexed by the `__leg__` matcher values in `expr`.
    public var legs: [Leg]
    /// Shards per sharded leg.
    public var totalShards: Int

    /// Creates a plan.
    public init(expr: Expr, legs: [Leg], totalShards: Int) {
        self.expr = expr
        self.legs = legs
        self.totalShards = totalShards
    }

    /// Number of sharded legs.
    public var shardedLegCount: Int { legs.count(where: \.isSharded) }

    /// Number of shard queries: shards of every sharded leg.
    public var shardedQueryCount: Int { legs.reduce(0) { $0 + ($1.isSharded ? $1.queries.count : 0) } }

    /// Number of queries the legs run in all (shard queries and whole queries).
    public var queryCount: Int { legs.reduce(0) { $0 + $1.queries.count } }

    /// The rewritten expression as text, each embedded selector printed with its leg's queries:
    /// `sum(__embedded_queries__{__queries__="[\"sum(x{__query_shard__=\\\"1_of_2\\\"})\", …]"})`.
    public var displayQuery: String {
        let legs = self.legs
        let shown = ExprWalk.mapSelectors(expr) { vs in
            guard vs.name == Self.embeddedMetricName,
                  let m = vs.matchers.first(where: { $0.name == Self.legLabel }),
                  let k = Int(m.value), k >= 0, k < legs.count else { return }
            var matchers = vs.matchers.filter { $0.name != Self.legLabel }
            matchers.append(LabelMatcher(literal: Self.queriesLabel, Self.jsonArray(legs[k].queries)))
            vs.matchers = matchers
        }
        return PromQL.format(shown)
    }

    /// `strings` as a JSON array of strings.
    static func jsonArray(_ strings: [String]) -> String {
        "[" + strings.map(jsonQuote).joined(separator: ",") + "]"
    }
}
