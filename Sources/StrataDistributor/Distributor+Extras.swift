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
    /// them.
    ///
    /// Without a sink, when the ingester client carries extras (`IngesterClient.carriesExtras`:
    /// a distributor whose ingesters run in other processes), each series' exemplars travel to
    /// its ingesters in the same push as its samples, and the metadata with them; the
    /// ingesters store them only when they stored the push, and report the exemplars stored.
    /// Otherwise they are counted and dropped.
    public func push(tenant: TenantID, batch: SeriesBatch, extras: WriteExtras,
                     sink: (any ExemplarMetadataSink)?) async -> ExtrasPushOutcome {
        if sink == nil, forwardsExtras, !extras.isEmpty {
            var written = 0
            let result: Result<PushSummary, PushError>
            do {
                result = .success(try await push(tenant: tenant, batch: batch, forwarding: extras, exemplarsWritten: &written))
            } catch {
                result = .failure(error)
            }
            return ExtrasPushOutcome(result: result, exemplarsWritten: written)
        }
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
        let limits = overrides.limits(for: tenant)
        var extras = strippingReplicaLabel(extras, limits: limits)
        if case .failure = result, !extras.exemplars.isEmpty {
            // Some series were refused: keep only exemplars of series whose labels pass the
            // same validation (rare path, so the series' labels are re-checked as values).
            extras.exemplars = validExemplarSeries(extras.exemplars, limits: limits)
        }
        return ExtrasPushOutcome(result: result, exemplarsWritten: sink.store(tenant: tenant, extras: extras))
    }

    /// Whether pushes with extras send them to the ingesters (a cluster's ring client).
    public var forwardsExtras: Bool { ingester.carriesExtras }

    /// `extras` as they travel with `batch` (the validated batch) to the ingesters: exemplars
    /// attached to their series, dropped when their series is not in the batch (refused).
    func forwardedExtras(_ extras: WriteExtras, batch: SeriesBatch, limits: Limits) -> BatchExtras {
        BatchExtras.aligning(strippingReplicaLabel(extras, limits: limits), to: batch)
    }

    /// The samples' series lost the HA replica label (when the tracker handles the tenant);
    /// their exemplars' series must match.
    func strippingReplicaLabel(_ extras: WriteExtras, limits: Limits) -> WriteExtras {
        guard haTracker != nil, limits.acceptHASamples, !extras.exemplars.isEmpty else { return extras }
        var extras = extras
        let replica = limits.haReplicaLabel
        for i in extras.exemplars.indices {
            extras.exemplars[i].seriesLabels = Labels(extras.exemplars[i].seriesLabels.filter { $0.name != replica })
        }
        return extras
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
