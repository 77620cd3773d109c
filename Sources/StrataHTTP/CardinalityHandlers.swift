import HTTPTypes
import Hummingbird
import Logging
import StrataCardinality
import StrataModel

/// What the cardinality API reads, wired by the server (docs/cardinality.md).
public struct CardinalityAPI: Sendable {
    /// The in-memory series: every ingester of the ring on a querier, this process's ingester
    /// otherwise; nil where neither is, and the endpoints over in-memory series then answer 503
    /// `err-strata-cardinality-unavailable`.
    public var source: (any CardinalitySource)?
    /// History from the bucket index and the query log (and today's in-memory series).
    public var history: CardinalityHistoryReader
    /// Deadline of one request (`-querier.timeout`).
    public var timeout: Duration

    /// Creates the API description.
    public init(source: (any CardinalitySource)?, history: CardinalityHistoryReader, timeout: Duration) {
        self.source = source
        self.history = history
        self.timeout = timeout
    }
}

/// `cardinality/label_names`, `cardinality/label_values`, `cardinality/active_series`,
/// `status/tsdb` (Mimir's and Prometheus's) and Strata's `cardinality/history` and
/// `cardinality/unused`, under a Prometheus API prefix, GET and POST.
struct CardinalityHandler: Sendable {
    let api: CardinalityAPI
    let tenants: TenantResolver
    let logger: Logger

    typealias Endpoint = @Sendable (CardinalityHandler, PromAPIParams, TenantID) async throws -> CardinalityAnswer

    /// Registers every endpoint under `prefix` (e.g. `/prometheus/api/v1`).
    func register(on router: Router<BasicRequestContext>, prefix: String) {
        let endpoints: [(String, Endpoint)] = [
            ("cardinality/label_names", { h, p, t in try await h.labelNames(p, t) }),
            ("cardinality/label_values", { h, p, t in try await h.labelValues(p, t) }),
            ("cardinality/active_series", { h, p, t in try await h.activeSeries(p, t) }),
            ("status/tsdb", { h, p, t in try await h.tsdbStatus(p, t) }),
            ("cardinality/history", { h, p, t in try await h.historyDays(p, t) }),
            ("cardinality/unused", { h, p, t in try await h.unused(p, t) }),
        ]
        for (path, endpoint) in endpoints {
            let route = RouterPath("\(prefix)/\(path)")
            router.get(route) { request, _ in await self.serve(request, endpoint) }
            router.post(route) { request, _ in await self.serve(request, endpoint) }
        }
    }

    /// Resolves the one tenant and the parameters, runs `endpoint`, and answers its JSON or
    /// Prometheus's error envelope.
    private func serve(_ request: Request, _ endpoint: Endpoint) async -> Response {
        let tenant: TenantID
        do {
            let list = try tenants.readTenants(request)
            guard list.count == 1, let only = list.first else {
                return PromAPIHandler.errorResponse(CardinalityParams.invalid(
                    "X-Scope-OrgID", "the cardinality API reads one tenant at a time, the header names \(list.count)"), request: request)
            }
            tenant = only
        } catch {
            return error.response
        }
        do {
            let params = try await PromAPIParams.read(request)
            let answer = try await endpoint(self, params, tenant)
            return PromAPIHandler.jsonResponse(answer.json.buffer, status: .ok, request: request)
        } catch {
            let apiError = Self.apiError(error)
            if apiError.status >= 500 && apiError.status != 503 {
                logger.warning("cardinality request failed", metadata: ["path": "\(request.uri.path)", "user": "\(tenant)", "err": "\(apiError.message)"])
            }
            return PromAPIHandler.errorResponse(apiError, request: request)
        }
    }

    static func apiError(_ error: any Error) -> PromAPIError {
        switch error {
        case let e as PromAPIError: return e
        case CardinalityError.timeout: return PromAPIError(.timeout, "\(CardinalityError.timeout)")
        case CardinalityError.canceled: return PromAPIError(.canceled, "\(CardinalityError.canceled)")
        default: return PromAPIError(.internal, "\(error)")
        }
    }

    private var deadline: ContinuousClock.Instant { ContinuousClock.now + api.timeout }

    /// The in-memory series, or 503 where this process has none.
    private func source() throws(PromAPIError) -> any CardinalitySource {
        guard let source = api.source else {
            throw PromAPIError(.unavailable, "this process holds no in-memory series and reads no ingester: the cardinality of the ingesters' heads is served by queriers (every ingester of the ring, merged) and by processes that run an ingester (-target=all, or -target=ingester for its share); cardinality/history and cardinality/unused are served here (\(ErrorID.cardinalityUnavailable.id))")
        }
        return source
    }

    // MARK: - Endpoints

    func labelNames(_ params: PromAPIParams, _ tenant: TenantID) async throws -> CardinalityAnswer {
        let matchers = try CardinalityParams.selector(params, required: false)
        let limit = try CardinalityParams.positiveInt(params, "limit", default: CardinalityParams.labelsLimit.default,
                                                      max: CardinalityParams.labelsLimit.max)
        let result = try await source().labelNamesCardinality(CardinalityRequest(tenant: tenant, matchers: matchers, limit: limit, deadline: deadline))
        return .labelNames(result)
    }

    func labelValues(_ params: PromAPIParams, _ tenant: TenantID) async throws -> CardinalityAnswer {
        let names = try CardinalityParams.labelNames(params)
        let matchers = try CardinalityParams.selector(params, required: false)
        let limit = try CardinalityParams.positiveInt(params, "limit", default: CardinalityParams.labelsLimit.default,
                                                      max: CardinalityParams.labelsLimit.max)
        let request = CardinalityRequest(tenant: tenant, matchers: matchers, limit: limit, deadline: deadline)
        return .labelValues(try await source().labelValuesCardinality(request, labelNames: names))
    }

    func activeSeries(_ params: PromAPIParams, _ tenant: TenantID) async throws -> CardinalityAnswer {
        let matchers = try CardinalityParams.selector(params, required: true)
        let limit = try CardinalityParams.positiveInt(params, "limit", default: CardinalityParams.activeSeriesLimit.default,
                                                      max: CardinalityParams.activeSeriesLimit.max)
        let request = CardinalityRequest(tenant: tenant, matchers: matchers, limit: limit, deadline: deadline)
        return .activeSeries(try await source().activeSeries(request))
    }

    func tsdbStatus(_ params: PromAPIParams, _ tenant: TenantID) async throws -> CardinalityAnswer {
        let limit = try CardinalityParams.positiveInt(params, "limit", default: CardinalityParams.tsdbLimit.default,
                                                      max: CardinalityParams.tsdbLimit.max)
        return .tsdbStatus(try await source().tsdbStatus(CardinalityRequest(tenant: tenant, limit: limit, deadline: deadline)))
    }

    func historyDays(_ params: PromAPIParams, _ tenant: TenantID) async throws -> CardinalityAnswer {
        let days = try CardinalityParams.days(params, default: CardinalityParams.historyDays.default, range: CardinalityParams.historyDays.range)
        let metric = try CardinalityParams.metric(params)
        let limit = try CardinalityParams.positiveInt(params, "limit", default: CardinalityParams.historyLimit.default,
                                                      max: CardinalityParams.historyLimit.max)
        return .history(try await api.history.history(tenant: tenant, days: days, metric: metric, limit: limit))
    }

    func unused(_ params: PromAPIParams, _ tenant: TenantID) async throws -> CardinalityAnswer {
        let days = try CardinalityParams.days(params, default: CardinalityParams.unusedDays.default, range: CardinalityParams.unusedDays.range)
        let limit = try CardinalityParams.positiveInt(params, "limit", default: CardinalityParams.unusedLimit.default,
                                                      max: CardinalityParams.unusedLimit.max)
        return .unused(try await api.history.unused(tenant: tenant, days: days, limit: limit))
    }
}
