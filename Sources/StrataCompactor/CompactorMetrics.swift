import Metrics
import StrataModel

/// The compactor's self-metrics: Mimir's `cortex_compactor_*` names under the `strata_` prefix
/// where Mimir has them, and the lag gauges docs/compactor.md describes.
final class CompactorMetrics: Sendable {
    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    private func counter(_ name: String, _ tenant: TenantID? = nil, _ extra: [(String, String)] = []) -> Counter {
        Counter(label: name, dimensions: (tenant.map { [("user", $0.rawValue)] } ?? []) + extra, factory: factory)
    }

    private func gauge(_ name: String, _ tenant: TenantID, _ extra: [(String, String)] = []) -> Gauge {
        Gauge(label: name, dimensions: [("user", tenant.rawValue)] + extra, factory: factory)
    }

    func runStarted() { counter("strata_compactor_runs_started_total").increment() }

    func runFinished(failed: Bool) {
        counter(failed ? "strata_compactor_runs_failed_total" : "strata_compactor_runs_completed_total").increment()
        Gauge(label: "strata_compactor_last_successful_run_timestamp_seconds", factory: factory)
            .record(failed ? 0 : Double(WallClock.nowMilliseconds()) / 1000)
    }

    func tenantFailed(_ tenant: TenantID) { counter("strata_compactor_tenant_failures_total", tenant).increment() }

    func jobFailed(_ tenant: TenantID) { counter("strata_compactor_job_failures_total", tenant).increment() }

    func jobCompleted(_ tenant: TenantID, job: CompactionJob, blocksWritten: Int, samples: UInt64, bytes: Int, seconds: Double) {
        let kind: String = switch job.kind {
        case .merge: "compaction"
        case .downsample: "downsampling"
        }
        counter("strata_compactor_jobs_completed_total", tenant, [("kind", kind)]).increment()
        counter("strata_compactor_blocks_written_total", tenant).increment(by: blocksWritten)
        counter("strata_compactor_written_bytes_total", tenant).increment(by: bytes)
        counter("strata_compactor_written_samples_total", tenant).increment(by: Int(clamping: samples))
        if job.replacesInputs { blocksMarkedForDeletion(tenant, count: job.blocks.count, reason: kind) }
        Timer(label: "strata_compactor_job_duration_seconds", dimensions: [("kind", kind)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func blocksMarkedForDeletion(_ tenant: TenantID, count: Int, reason: String) {
        counter("strata_compactor_blocks_marked_for_deletion_total", tenant, [("reason", reason)]).increment(by: count)
    }

    func blocksMarkedNoCompact(_ tenant: TenantID, count: Int) {
        counter("strata_compactor_blocks_marked_for_no_compaction_total", tenant).increment(by: count)
    }

    func blocksDeleted(_ tenant: TenantID, count: Int) {
        counter("strata_compactor_blocks_cleaned_total", tenant).increment(by: count)
    }

    func publishBlocks(_ tenant: TenantID, count: Int) {
        gauge("strata_bucket_blocks_count", tenant).record(Double(count))
    }

    func publishLag(_ tenant: TenantID, oldestUncompactedMinTime: Int64?, newestByResolution: [Int64: Int64?], noCompactBlocks: Int) {
        // 0 when nothing waits, so an alert on `time() - x` only fires while a block is waiting.
        gauge("strata_compactor_oldest_uncompacted_block_timestamp_seconds", tenant)
            .record(oldestUncompactedMinTime.map { Double($0) / 1000 } ?? 0)
        for (resolution, newest) in newestByResolution {
            gauge("strata_compactor_newest_block_timestamp_seconds", tenant, [("resolution", Resolution.name(resolution))])
                .record(newest.map { Double($0) / 1000 } ?? 0)
        }
        gauge("strata_compactor_no_compact_blocks", tenant).record(Double(noCompactBlocks))
    }
}
