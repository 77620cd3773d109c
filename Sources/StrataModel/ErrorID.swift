/// The immutable IDs of errors a client or operator sees, `err-strata-<reason>`.
///
/// Each appears at the end of the error message and is explained in `docs/errors.md`. IDs are
/// never renamed or reused: dashboards, runbooks and alerts match on them.
public enum ErrorID: String, Sendable, CaseIterable {
    // Request-level (distributor / HTTP).
    case missingTenantID = "missing-tenant-id"
    case invalidTenantID = "invalid-tenant-id"
    case maxWriteMessageSize = "distributor-max-write-message-size"
    case invalidRequestBody = "invalid-request-body"
    case unsupportedContentType = "unsupported-content-type"
    case tenantMaxIngestionRate = "tenant-max-ingestion-rate"
    case tooManyHAClusters = "tenant-too-many-ha-clusters"
    case haTrackerKVUnavailable = "ha-tracker-kv-unavailable"
    case haTrackerCorruptValue = "ha-tracker-corrupt-value"
    // OTLP translation (per data point; reported in the OTLP partial-success response).
    case otlpDeltaTemporality = "otlp-delta-temporality"
    case otlpExponentialHistogram = "otlp-exponential-histogram"
    case otlpInvalidMetric = "otlp-invalid-metric"
    // Endpoints that change state (`/ingester/flush`, ring Forget).
    case methodNotAllowed = "method-not-allowed"
    case crossSiteRequest = "cross-site-request"
    // Series validation (distributor).
    case missingMetricName = "missing-metric-name"
    case metricNameInvalid = "metric-name-invalid"
    case labelInvalid = "label-invalid"
    case labelValueInvalid = "label-value-invalid"
    case labelNameTooLong = "label-name-too-long"
    case labelValueTooLong = "label-value-too-long"
    case duplicateLabelNames = "duplicate-label-names"
    case labelsNotSorted = "labels-not-sorted"
    case maxLabelNamesPerSeries = "max-label-names-per-series"
    case tooFarInFuture = "too-far-in-future"
    case tooFarInPast = "too-far-in-past"
    case maxNativeHistogramBuckets = "max-native-histogram-buckets"
    case notReducibleNativeHistogram = "not-reducible-native-histogram"
    case invalidNativeHistogramSchema = "invalid-native-histogram-schema"
    // Ingester.
    case maxSeriesPerUser = "max-series-per-user"
    case maxSeriesPerMetric = "max-series-per-metric"
    case sampleOutOfOrder = "sample-out-of-order"
    case sampleDuplicateTimestamp = "sample-duplicate-timestamp"
    case sampleTimestampTooOld = "sample-timestamp-too-old"
    case sampleTooOld = "sample-too-old"
    case nativeHistogramInvalid = "native-histogram-invalid"
    case ingesterUnavailable = "ingester-unavailable"

    // Query path.
    case maxSamplesPerQuery = "max-samples-per-query"
    case queryTimeout = "query-timeout"
    case maxSeriesPerQuery = "max-series-per-query"
    case maxChunkBytesPerQuery = "max-chunks-bytes-per-query"
    case maxQueryLength = "max-query-length"
    case maxTotalQueryLength = "max-total-query-length"
    case invalidQueryShard = "invalid-query-shard"
    // Query-frontend.
    case tooManyOutstandingRequests = "too-many-outstanding-requests"
    case queryBlocked = "query-blocked"
    // Deletes and redactions (delete API, compactor).
    case invalidDeleteRequest = "invalid-delete-request"
    case deleteRequestNotFound = "delete-request-not-found"
    case deleteRequestNotPending = "delete-request-not-pending"
    case tooManyDeleteRequests = "too-many-delete-requests"
    case deletesUnavailable = "deletes-unavailable"
    // Cardinality API.
    case invalidCardinalityRequest = "invalid-cardinality-request"
    case cardinalityUnavailable = "cardinality-unavailable"
    // Admin API: blocks and block uploads (`strata admin blocks|backfill`).
    case invalidAdminRequest = "invalid-admin-request"
    case invalidBlockID = "invalid-block-id"
    case blockNotFound = "block-not-found"
    case blockUploadInvalid = "block-upload-invalid"
    case blockUploadNotStarted = "block-upload-not-started"
    case blockUploadConflict = "block-upload-conflict"
    case blockUploadTooLarge = "block-upload-too-large"
    case blockValidationFailed = "block-validation-failed"

    /// The full ID as it appears in messages: `err-strata-<reason>`.
    public var id: String { "err-strata-" + rawValue }
}
