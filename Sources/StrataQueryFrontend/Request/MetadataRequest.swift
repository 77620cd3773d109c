import StrataModel
import StrataPromQL

/// The series and label lookups a frontend without storage forwards to a querier, and how
/// their answers travel: a vector of label sets (series), or of one-label sets `{name=...}`
/// (label names and values), with zero values.
public enum MetadataRequest {
    /// The label carrying a name or value in a label lookup's answer.
    public static let valueLabel = "name"

    /// Runs a series or label request against `storage`.
    static func run(_ request: QueryRequest, storage: any Queryable, tenant: TenantID) async throws(QueryFailure) -> QueryResponse {
        var matcherSets: [[LabelMatcher]] = []
        for text in request.selectors {
            guard case .vectorSelector(let v)? = try? PromQL.parse(text) else {
                throw .badData("invalid parameter \"match[]\": \(quoteLabelValue(text)) is not a series selector")
            }
            matcherSets.append(v.matchers)
        }
        do {
            switch request.kind {
            case .series:
                var seen = Set<Labels>()
                for matchers in matcherSets {
                    let series = try await storage.select(SelectRequest(tenant: tenant, minTime: request.start, maxTime: request.end,
                                                                        matchers: matchers))
                    for s in series { seen.insert(s.labels) }
                }
                return QueryResponse(value: .vector(seen.sorted().map { VectorSample(metric: $0, t: 0, f: 0) }))
            case .labelNames, .labelValues:
                var values = Set<String>()
                for matchers in matcherSets.isEmpty ? [[]] : matcherSets {
                    if request.kind == .labelNames {
                        values.formUnion(try await storage.labelNames(tenant: tenant, minTime: request.start, maxTime: request.end,
                                                                      matchers: matchers))
                    } else {
                        values.formUnion(try await storage.labelValues(tenant: tenant, name: request.labelName, minTime: request.start,
                                                                       maxTime: request.end, matchers: matchers))
                    }
                }
                let samples = values.sorted().map { VectorSample(metric: Labels([Label(name: valueLabel, value: $0)]), t: 0, f: 0) }
                return QueryResponse(value: .vector(samples))
            case .instant, .range, .exemplars, .metadata:
                throw QueryFailure.internal("a \(QueryLogLine.kindName(request.kind)) request is not a series or label request")
            }
        } catch let failure as QueryFailure {
            throw failure
        } catch {
            throw .internal("\(error)")
        }
    }

    /// The strings of a label lookup's answer.
    public static func strings(_ response: QueryResponse) -> [String] {
        guard case .vector(let v) = response.value else { return [] }
        return v.compactMap { $0.metric[valueLabel] }
    }

    /// The label sets of a series lookup's answer.
    public static func labelSets(_ response: QueryResponse) -> [Labels] {
        guard case .vector(let v) = response.value else { return [] }
        return v.map(\.metric)
    }
}
