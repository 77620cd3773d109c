import HTTPTypes
import Hummingbird
import StrataModel
import StrataPromQL
import StrataQueryFrontend

/// `/query` and `/query_range`: parameter checks in Prometheus's order and wording, evaluation
/// by the PromQL engine, and the result in Prometheus's JSON.
extension PromAPIHandler {
    /// Most points per series a range query may return.
    static let maxPointsPerSeries: Int64 = 11_000
    /// At most this many warnings and infos are listed, as Prometheus lists them.
    static let maxAnnotations = 10

    func query(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID]) async throws(PromAPIError) -> Response {
        let limit = try PromAPITime.parseLimit(params.value("limit"))
        let time = try PromAPITime.parseTimeParam(params.value("time"), name: "time", fallback: now())
        let options = try options(timeout: params.value("timeout"), lookbackDelta: params.value("lookback_delta"),
                                  sourceResolution: params.value(Self.maxSourceResolutionParameter))
        let queryText = params.value("query")
        try QueryShardCheck.validate(queryText)
        if let frontend {
            let r = try frontendRequest(.instant, params: params, tenants: tenants, query: queryText, start: time, end: time, step: 0)
            return try await respond(frontend: frontend, r, limit: limit, request: request)
        }
        let result: QueryResult
        do {
            result = try await Engine(options: options).instantQuery(
                queryText, at: time, tenant: tenants.first ?? .anonymous, storage: storage(for: tenants))
        } catch {
            throw Self.apiError(error)
        }
        return respond(result, query: queryText, limit: limit, request: request, stats: Self.wantsStats(params) ? QueryStats(samples: result.samplesLoaded) : nil)
    }

    func queryRange(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID]) async throws(PromAPIError) -> Response {
        let limit = try PromAPITime.parseLimit(params.value("limit"))
        let start: Int64, end: Int64, stepNanos: Int64
        do {
            start = try PromAPITime.parseTime(params.value("start"))
        } catch {
            throw .invalidParam("start", error.message)
        }
        do {
            end = try PromAPITime.parseTime(params.value("end"))
        } catch {
            throw .invalidParam("end", error.message)
        }
        if end < start {
            throw .invalidParam("end", "end timestamp must not be before start time")
        }
        do {
            stepNanos = try PromAPITime.parseDuration(params.value("step"))
        } catch {
            throw .invalidParam("step", error.message)
        }
        guard stepNanos > 0 else {
            throw .invalidParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        // Prometheus divides Go durations (ns); the same integer division gives the same cut-off.
        // Go saturates a span too long for a Duration; an overflow here is past the limit too.
        let (span, spanOverflow) = end.subtractingReportingOverflow(start)
        let (spanNanos, overflow) = span.multipliedReportingOverflow(by: 1_000_000)
        if spanOverflow || overflow || spanNanos / stepNanos > Self.maxPointsPerSeries {
            throw PromAPIError(.badData, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        try checkTotalQueryLength(start: start, end: end, tenants: tenants)
        let options = try options(timeout: params.value("timeout"), lookbackDelta: params.value("lookback_delta"),
                                  sourceResolution: params.value(Self.maxSourceResolutionParameter))
        let queryText = params.value("query")
        try QueryShardCheck.validate(queryText)
        if let frontend {
            let r = try frontendRequest(.range, params: params, tenants: tenants, query: queryText, start: start, end: end,
                                        step: stepNanos / 1_000_000)
            return try await respond(frontend: frontend, r, limit: limit, request: request)
        }
        let result: QueryResult
        do {
            result = try await Engine(options: options).rangeQuery(
                queryText, start: start, end: end, step: stepNanos / 1_000_000,
                tenant: tenants.first ?? .anonymous, storage: storage(for: tenants))
        } catch {
            throw Self.apiError(error)
        }
        return respond(result, query: queryText, limit: limit, request: request, stats: Self.wantsStats(params) ? QueryStats(samples: result.samplesLoaded) : nil)
    }

    /// Thanos's query parameter choosing the downsampled data a query may read.
    static let maxSourceResolutionParameter = "max_source_resolution"
    /// Response header listing the resolutions the query read, coarsest first (`1h,5m,raw`).
    static let resolutionsHeader = "X-Strata-Resolutions"

    /// The engine options of one request: the request's `timeout` applies when shorter than
    /// `-querier.timeout`, `lookback_delta` replaces `-querier.lookback-delta` when positive, and
    /// `max_source_resolution` (`auto`, `0`/`raw`, `5m`, `1h`) bounds the downsampled data read.
    private func options(timeout: String, lookbackDelta: String, sourceResolution: String) throws(PromAPIError) -> EngineOptions {
        var options = engineOptions
        if !sourceResolution.isEmpty {
            guard let policy = SourceResolution(parameter: sourceResolution) else {
                throw .invalidParam(Self.maxSourceResolutionParameter,
                                    "\"\(sourceResolution)\" is not a resolution: use auto, 0 (raw), 5m or 1h")
            }
            options.sourceResolution = policy
        }
        if !timeout.isEmpty {
            let nanos: Int64
            do {
                nanos = try PromAPITime.parseDuration(timeout)
            } catch {
                throw .invalidParam("timeout", error.message)
            }
            let requested = Duration.nanoseconds(max(0, nanos))
            if requested < options.timeout { options.timeout = requested }
        }
        if !lookbackDelta.isEmpty {
            let nanos: Int64
            do {
                nanos = try PromAPITime.parseDuration(lookbackDelta)
            } catch {
                throw PromAPIError(.badData, "error parsing lookback delta duration: \(error.message)")
            }
            // As in Prometheus, zero or less keeps the configured lookback.
            if nanos / 1_000_000 > 0 { options.lookbackDelta = nanos / 1_000_000 }
        }
        return options
    }

    /// Engine errors as the API reports them: anything refused before evaluation (parse errors,
    /// a range query of the wrong type) is about the `query` parameter.
    static func apiError(_ error: QueryError) -> PromAPIError {
        if case .badData(let message) = error { return .invalidParam("query", message) }
        return PromAPIError(error)
    }

    /// The success envelope of a query, cut to `limit` series when set; with `stats`, the
    /// statistics inside `data` as Prometheus's `stats=all` places them.
    private func respond(_ result: QueryResult, query: String, limit: Int, request: Request, stats: QueryStats? = nil,
                         annotationTexts: (warnings: [String], infos: [String])? = nil, wallSeconds: Double = 0) -> Response {
        var value = result.value
        var truncated = false
        if limit > 0 {
            switch value {
            case .vector(let v) where v.count > limit:
                value = .vector(Array(v.prefix(limit)))
                truncated = true
            case .matrix(let m) where m.count > limit:
                value = .matrix(Array(m.prefix(limit)))
                truncated = true
            default: break
            }
        }
        let texts = annotationTexts ?? result.annotations.texts(query: query)
        var warnings = Self.capped(texts.warnings, kind: "warning")
        let infos = Self.capped(texts.infos, kind: "info")
        if truncated { warnings.append("results truncated due to limit") }
        var json = Self.beginSuccess(capacity: Self.estimatedSize(value))
        json.queryData(value, stats: stats, wallSeconds: wallSeconds)
        var response = Self.finishSuccess(json, warnings: warnings, infos: infos, request: request)
        if !result.resolutions.isEmpty, let name = HTTPField.Name(Self.resolutionsHeader) {
            response.headers[name] = result.resolutions.map(SourceResolution.name).joined(separator: ",")
        }
        return response
    }

    /// The success envelope of a frontend answer: its warnings and infos are already rendered.
    func respondFromFrontend(_ result: QueryResult, response: QueryResponse, query: String, limit: Int, request: Request,
                             stats: QueryStats?, wallSeconds: Double) -> Response {
        respond(result, query: query, limit: limit, request: request, stats: stats,
                annotationTexts: (response.warnings, response.infos), wallSeconds: wallSeconds)
    }

    /// The first `maxAnnotations` texts, and a count of the rest as Prometheus reports it.
    static func capped(_ texts: [String], kind: String) -> [String] {
        guard texts.count > maxAnnotations else { return texts }
        return Array(texts.prefix(maxAnnotations)) + ["\(texts.count - maxAnnotations) more \(kind) annotations omitted"]
    }

    /// A starting buffer size that avoids most regrowth: about 40 bytes a point plus the labels.
    static func estimatedSize(_ value: QueryValue) -> Int {
        switch value {
        case .scalar, .string: return 256
        case .vector(let v): return 128 + v.count * 160
        case .matrix(let m):
            var points = 0
            for s in m { points += s.floats.count }
            return min(128 + m.count * 128 + points * 40, 1 << 30)
        }
    }
}
