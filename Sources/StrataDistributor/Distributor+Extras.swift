import StrataIngester
import StrataLimits
import StrataModel

/// What a push with exemplars and metadata did: the samples' outcome, and the exemplars stored
/// (reported to remote write 2.0 senders in `X-Prometheus-Remote-Write-Exemplars-Written`).
public struct ExtrasPushOutcome: Sendable {
    /// The samples' outcome, exactly as `push(tenant:batch:)` reports it.
    public var result: Result<PushSummary, PushError>
    /// Exemplars stored.
    public var exemplarsWritten: Int
}

extension Distributor {
    /// Pushes `batch` as `push(tenant:batch:)` does, then hands `extras` to `sink` when the
    /// samples were stored (fully or partly): a push refused whole — rate-limited, deduplicated
    /// HA replica, unavailable ingester — stores no exemplars or metadata either, so they obey
    /// the same limits and HA decisions as the samples. Exemplars and metadata were already
    /// counted in the batch (`exemplarCount`, `metadataCount`), so the rate limiter charged
    /// them. Without a sink (a distributor whose ingesters run in other processes) they are
    /// counted and dropped.
    public func push(tenant: TenantID, batch: SeriesBatch, extras: WriteExtras,
                     sink: (any ExemplarMetadataSink)?) async -> ExtrasPushOutcome {
        let result: Result<PushSummary, PushError>
        do {
            result = .success(try await push(tenant: tenant, batch: batch))
        } catch {
            result = .failure(error)
        }
        guard let sink, !extras.isEmpty else { return ExtrasPushOutcome(result: result, exemplarsWritten: 0) }
        switch result {
        case .success, .failure(.invalid):
            break
        case .failure:
            return ExtrasPushOutcome(result: result, exemplarsWritten: 0)
        }
        var extras = extras
        let limits = overrides.limits(for: tenant)
        if haTracker != nil, limits.acceptHASamples {
            // The samples' series lost the replica label; their exemplars' series must match.
            let replica = limits.haReplicaLabel
            for i in extras.exemplars.indices {
                extras.exemplars[i].seriesLabels = Labels(extras.exemplars[i].seriesLabels.filter { $0.name != replica })
            }
        }
        if case .failure = result, !extras.exemplars.isEmpty {
            // Some series were refused: keep only exemplars of series whose labels pass the
            // same validation (rare path, so the series' labels are re-checked as values).
            extras.exemplars = validExemplarSeries(extras.exemplars, limits: limits)
        }
        return ExtrasPushOutcome(result: result, exemplarsWritten: sink.store(tenant: tenant, extras: extras))
    }

    /// The groups whose series labels pass `SeriesValidator`'s label checks.
    func validExemplarSeries(_ groups: [SeriesExemplars], limits: Limits) -> [SeriesExemplars] {
        let validator = SeriesValidator(limits: limits, now: now())
        return groups.filter { group in
            // A series without samples is kept exactly when its labels are valid.
            var batch = SeriesBatch()
            batch.append(labels: group.seriesLabels, samples: [])
            return validator.validate(batch).firstError == nil
        }
    }
}
