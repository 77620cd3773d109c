import Foundation
import NIOCore
import StrataBlocks
import StrataBucketIndex
import StrataHTTP
import StrataModel
import StrataObjstore

/// Block uploads, Mimir's protocol: the upload's state lives in the bucket next to the block, so
/// any process with bucket access can answer `check`, and a block is visible only once its
/// `meta.json` exists (written last, after validation).
///
/// - `<tenant>/<block>/uploading-meta.json`: the `meta.json` given to `start`.
/// - `<tenant>/<block>/index`, `chunks/NNNNNN`: the files, written as they arrive.
/// - `<tenant>/<block>/validation.json`: `{"heartbeat": <unix s>, "error": …}` while `finish`
///   validates (the heartbeat is renewed) and after a failed validation (the error).
///
/// An upload that is never finished is a partial block: no reader lists it, and the compactor
/// deletes it after `-compactor.partial-block-deletion-delay`.
extension BucketAdmin {
    static let uploadingMetaName = "uploading-meta.json"
    static let validationName = "validation.json"
    /// Largest index file accepted.
    static let maxIndexBytes: Int64 = 16 << 30
    /// Largest chunk segment accepted (Prometheus cuts segments at 512 MiB; one chunk may pass it).
    static let maxSegmentBytes: Int64 = 1 << 30
    /// How often a running validation renews its heartbeat.
    static let heartbeatInterval: Duration = .seconds(30)
    /// A validation whose heartbeat is older than this died with its process.
    static let staleValidationSeconds: Int64 = 5 * 60
    /// How far in the future an uploaded block may end.
    static let futureToleranceMs: Int64 = 10 * 60 * 1000

    /// `validation.json`.
    struct ValidationRecord: Codable {
        var heartbeat: Int64
        var error: String?
    }

    func startUpload(tenant: TenantID, id: String, meta bytes: [UInt8]) async throws(AdminStorageError) {
        _ = try checkMeta(bytes, id: id)
        if try await exists(key(tenant, id, BlockFormat.metaFileName)) {
            throw .conflict("tenant \(tenant.rawValue) already has block \(id); a block is uploaded once (\(ErrorID.blockUploadConflict.id))")
        }
        try await refuseIfValidating(tenant, id)
        do {
            try await bucket.put(key(tenant, id, Self.uploadingMetaName), bytes)
            try await bucket.delete(key(tenant, id, Self.validationName))
        } catch {
            throw .unavailable("recording the upload of block \(id) failed: \(error)")
        }
    }

    func uploadFile<Body: AsyncSequence & Sendable>(tenant: TenantID, id: String, path: String, body: Body)
        async throws(AdminStorageError) where Body.Element == ByteBuffer {
        let limit = try Self.checkPath(path)
        try await requireUploading(tenant, id)
        let staging = try makeWorkDirectory("upload", tenant, id)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let file = staging + "/file"
        try await Self.write(body, to: file, limit: limit, path: path)
        do {
            try await bucket.upload(key(tenant, id, path), fromFile: file)
        } catch {
            throw .unavailable("storing \(path) of block \(id) failed: \(error)")
        }
    }

    func finishUpload(tenant: TenantID, id: String) async throws(AdminStorageError) {
        try await requireUploading(tenant, id)
        let files = try await blockFiles(tenant: tenant, id: id).map(\.path)
        guard files.contains(BlockFormat.indexFileName) else {
            throw .invalid("block \(id) has no index yet: upload it with files?path=index before finish (\(ErrorID.blockUploadInvalid.id))")
        }
        let segments = files.filter { $0.hasPrefix(BlockFormat.chunksDirectoryName + "/") }.sorted()
        for (i, segment) in segments.enumerated() where segment != BlockFormat.chunksDirectoryName + "/" + BlockFormat.segmentFileName(i) {
            throw .invalid("block \(id)'s chunk segments are not 000001… without gaps (found \(segment), expected chunks/\(BlockFormat.segmentFileName(i))) (\(ErrorID.blockUploadInvalid.id))")
        }
        let name = "\(tenant.rawValue)/\(id)"
        let claimed = validating.withLock { $0.insert(name).inserted }
        guard claimed else {
            throw .conflict("block \(id) is being validated already (\(ErrorID.blockUploadConflict.id))")
        }
        do {
            try await writeValidation(tenant, id, ValidationRecord(heartbeat: now() / 1000, error: nil))
        } catch {
            _ = validating.withLock { $0.remove(name) }
            throw error
        }
        Task { [self] in
            await validationSlots.acquire()
            await validateUpload(tenant: tenant, id: id)
            await validationSlots.release()
            _ = validating.withLock { $0.remove(name) }
        }
    }

    func uploadState(tenant: TenantID, id: String) async throws(AdminStorageError) -> AdminUploadState {
        if try await exists(key(tenant, id, BlockFormat.metaFileName)) { return AdminUploadState(result: .complete) }
        if let record = try await validationRecord(tenant, id) {
            if let error = record.error { return AdminUploadState(result: .failed, error: error) }
            let running = validating.withLock { $0.contains("\(tenant.rawValue)/\(id)") }
            if running || now() / 1000 - record.heartbeat < Self.staleValidationSeconds {
                return AdminUploadState(result: .validating)
            }
            return AdminUploadState(result: .failed,
                                    error: "the validation stopped without a result (its process went away); call finish again (\(ErrorID.blockValidationFailed.id))")
        }
        if try await exists(key(tenant, id, Self.uploadingMetaName)) { return AdminUploadState(result: .uploading) }
        throw .notFound("no upload of block \(id) for tenant \(tenant.rawValue): start it first (\(ErrorID.blockUploadNotStarted.id))")
    }

    // MARK: - Validation

    /// Downloads the uploaded block, verifies it and, when it passes, writes `meta.json` (with the
    /// tenant's `__org_id__` label and Strata's per-metric series counts), removes the upload's
    /// state, updates the bucket index and tells the in-process store-gateway.
    func validateUpload(tenant: TenantID, id: String) async {
        let heartbeat = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.heartbeatInterval)
                if Task.isCancelled { break }
                try? await writeValidation(tenant, id, ValidationRecord(heartbeat: now() / 1000, error: nil))
            }
        }
        defer { heartbeat.cancel() }
        let outcome: Result<BlockMeta, AdminStorageError>
        do throws(AdminStorageError) {
            outcome = .success(try await validatedMeta(tenant: tenant, id: id))
        } catch {
            outcome = .failure(error)
        }
        heartbeat.cancel()
        switch outcome {
        case .failure(let error):
            logger.warning("uploaded block failed validation", metadata: ["tenant": "\(tenant)", "block": "\(id)", "err": "\(error)"])
            try? await writeValidation(tenant, id, ValidationRecord(heartbeat: now() / 1000, error: error.description))
        case .success(let meta):
            do {
                try await bucket.put(key(tenant, id, BlockFormat.metaFileName), meta.encoded())
            } catch {
                try? await writeValidation(tenant, id, ValidationRecord(heartbeat: now() / 1000, error: "writing meta.json failed: \(error); call finish again"))
                return
            }
            try? await bucket.delete(key(tenant, id, Self.uploadingMetaName))
            try? await bucket.delete(key(tenant, id, Self.validationName))
            await updateBucketIndex(tenant)
            logger.info("uploaded block is complete", metadata: ["tenant": "\(tenant)", "block": "\(id)",
                                                                 "series": "\(meta.stats.numSeries)", "samples": "\(meta.stats.numSamples)"])
            await afterUpload(tenant)
        }
    }

    /// The `meta.json` to write for a block that passed verification; throws why it did not.
    private func validatedMeta(tenant: TenantID, id: String) async throws(AdminStorageError) -> BlockMeta {
        guard let metaBytes = try await optionalGet(key(tenant, id, Self.uploadingMetaName)) else {
            throw .invalid("the upload of block \(id) disappeared (started again or deleted) (\(ErrorID.blockValidationFailed.id))")
        }
        var meta = try checkMeta(metaBytes, id: id)
        let report = try await downloadAndVerify(tenant: tenant, id: id, metaBytes: metaBytes)
        guard report.ok else {
            var text = report.problems.prefix(10).joined(separator: "; ")
            if report.problems.count > 10 || report.omittedProblems > 0 { text += "; …" }
            throw .invalid("block \(id) failed validation: \(text) (\(ErrorID.blockValidationFailed.id))")
        }
        var thanos = meta.thanos ?? BlockMeta.Thanos(source: "upload")
        thanos.labels[BlockMeta.tenantLabel] = tenant.rawValue
        meta.thanos = thanos
        if meta.strata == nil, meta.thanos?.downsample.resolution ?? 0 == 0 {
            meta.strata = BlockMeta.Strata(seriesPerMetric: report.seriesByMetricName)
        }
        return meta
    }

    /// Rebuilds the tenant's bucket index so readers find the new block without a bucket scan.
    func updateBucketIndex(_ tenant: TenantID) async {
        do {
            let old = try? await BucketIndex.read(bucket: bucket, tenant: tenant)
            let index = try await BucketIndex.update(bucket: bucket, tenant: tenant, old: old ?? nil, now: now() / 1000, logger: logger)
            try await index.write(bucket: bucket, tenant: tenant)
        } catch {
            logger.warning("updating the bucket index after an upload failed; the compactor rebuilds it at its next run",
                           metadata: ["tenant": "\(tenant)", "err": "\(error)"])
        }
    }

    // MARK: - Checks

    /// Parses and checks a `meta.json` given for block `id`.
    func checkMeta(_ bytes: [UInt8], id: String) throws(AdminStorageError) -> BlockMeta {
        let meta: BlockMeta
        do {
            meta = try BlockMeta.decode(bytes, path: "meta.json")
        } catch {
            throw .invalid("\(error) (\(ErrorID.blockUploadInvalid.id))")
        }
        guard meta.ulid == id else {
            throw .invalid("meta.json names block \(meta.ulid), but the upload is for block \(id) (\(ErrorID.blockUploadInvalid.id))")
        }
        guard meta.minTime < meta.maxTime else {
            throw .invalid("meta.json: minTime \(meta.minTime) is not before maxTime \(meta.maxTime) (\(ErrorID.blockUploadInvalid.id))")
        }
        guard meta.maxTime <= now() + Self.futureToleranceMs else {
            throw .invalid("meta.json: maxTime \(meta.maxTime) is in the future (\(ErrorID.blockUploadInvalid.id))")
        }
        guard meta.compaction.level >= 1 else {
            throw .invalid("meta.json: compaction level \(meta.compaction.level); blocks have level 1 or more (\(ErrorID.blockUploadInvalid.id))")
        }
        let resolution = meta.thanos?.downsample.resolution ?? 0
        guard [0, 300_000, 3_600_000].contains(resolution) else {
            throw .invalid("meta.json: downsampling resolution \(resolution) ms; Strata serves raw (0), 5m (300000) and 1h (3600000) blocks (\(ErrorID.blockUploadInvalid.id))")
        }
        return meta
    }

    /// The size limit of an uploaded file, or why its path is refused: only `index` and
    /// `chunks/NNNNNN` (six digits, from 000001) belong to an upload.
    static func checkPath(_ path: String) throws(AdminStorageError) -> Int64 {
        if path == BlockFormat.indexFileName { return maxIndexBytes }
        let prefix = BlockFormat.chunksDirectoryName + "/"
        if path.hasPrefix(prefix) {
            let name = path.dropFirst(prefix.count)
            if name.count == BlockFormat.segmentNameDigits, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(name), n >= 1 {
                return maxSegmentBytes
            }
        }
        throw .invalid("path \"\(path.prefix(100))\" is not a block file: upload index and chunks/000001, chunks/000002, … (meta.json goes with start) (\(ErrorID.blockUploadInvalid.id))")
    }

    /// Files may be sent: the upload was started and is neither complete nor being validated.
    private func requireUploading(_ tenant: TenantID, _ id: String) async throws(AdminStorageError) {
        if try await exists(key(tenant, id, BlockFormat.metaFileName)) {
            throw .conflict("block \(id) of tenant \(tenant.rawValue) is complete already (\(ErrorID.blockUploadConflict.id))")
        }
        try await refuseIfValidating(tenant, id)
        guard try await exists(key(tenant, id, Self.uploadingMetaName)) else {
            throw .notFound("no upload of block \(id) for tenant \(tenant.rawValue): call start first (\(ErrorID.blockUploadNotStarted.id))")
        }
    }

    private func refuseIfValidating(_ tenant: TenantID, _ id: String) async throws(AdminStorageError) {
        if validating.withLock({ $0.contains("\(tenant.rawValue)/\(id)") }) {
            throw .conflict("block \(id) is being validated (\(ErrorID.blockUploadConflict.id))")
        }
        if let record = try await validationRecord(tenant, id), record.error == nil,
           now() / 1000 - record.heartbeat < Self.staleValidationSeconds {
            throw .conflict("block \(id) is being validated by another process (\(ErrorID.blockUploadConflict.id))")
        }
    }

    private func validationRecord(_ tenant: TenantID, _ id: String) async throws(AdminStorageError) -> ValidationRecord? {
        guard let bytes = try await optionalGet(key(tenant, id, Self.validationName)) else { return nil }
        return try? JSONDecoder().decode(ValidationRecord.self, from: Data(bytes))
    }

    private func writeValidation(_ tenant: TenantID, _ id: String, _ record: ValidationRecord) async throws(AdminStorageError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(record)).map { Array($0) } ?? Array("{\"heartbeat\":\(record.heartbeat)}".utf8)
        do {
            try await bucket.put(key(tenant, id, Self.validationName), bytes)
        } catch {
            throw .unavailable("recording the validation of block \(id) failed: \(error)")
        }
    }

    /// Streams `body` into `file`, refusing more than `limit` bytes.
    static func write<Body: AsyncSequence>(_ body: Body, to file: String, limit: Int64, path: String) async throws(AdminStorageError)
        where Body.Element == ByteBuffer {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .unavailable("cannot create \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written: Int64 = 0
        do {
            for try await buffer in body {
                written += Int64(buffer.readableBytes)
                guard written <= limit else {
                    throw AdminStorageError.tooLarge("\(path) is larger than \(limit) bytes, the most accepted for it (\(ErrorID.blockUploadTooLarge.id))")
                }
                try buffer.withUnsafeReadableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = Foundation.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                        guard n > 0 else {
                            throw AdminStorageError.unavailable("writing \(file) failed: \(String(cString: strerror(errno)))")
                        }
                        offset += n
                    }
                }
            }
        } catch let error as AdminStorageError {
            throw error
        } catch {
            throw .invalid("reading the body of \(path) failed: \(error) (\(ErrorID.blockUploadInvalid.id))")
        }
    }
}
