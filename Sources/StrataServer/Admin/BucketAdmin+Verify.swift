import Foundation
import StrataBlocks
import StrataHTTP
import StrataModel
import StrataObjstore

/// Block verification on the server: the block is downloaded to the work directory and read
/// whole by `BlockVerifier`, the same checks `strata admin backfill` runs before uploading.
extension BucketAdmin {
    func verify(tenant: TenantID, id: String) async throws(AdminStorageError) -> AdminBlockVerification {
        guard let metaBytes = try await optionalGet(key(tenant, id, BlockFormat.metaFileName)) else {
            throw Self.noBlock(tenant, id)
        }
        let report = try await downloadAndVerify(tenant: tenant, id: id, metaBytes: metaBytes)
        var problems = report.problems
        if report.omittedProblems > 0 { problems.append("… and \(report.omittedProblems) more problems") }
        return AdminBlockVerification(ok: report.ok, problems: problems, warnings: report.warnings, series: report.series,
                                      chunks: report.chunks, samples: report.samples)
    }

    /// Downloads the block's data files next to `metaBytes` and verifies them; the copy is
    /// removed afterwards.
    func downloadAndVerify(tenant: TenantID, id: String, metaBytes: [UInt8]) async throws(AdminStorageError) -> BlockVerification {
        let directory = try makeWorkDirectory("verify", tenant, id)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let blockDirectory = directory + "/" + id
        do {
            try FileManager.default.createDirectory(atPath: blockDirectory + "/" + BlockFormat.chunksDirectoryName,
                                                    withIntermediateDirectories: true)
            try Data(metaBytes).write(to: URL(fileURLWithPath: blockDirectory + "/" + BlockFormat.metaFileName))
        } catch {
            throw .unavailable("preparing \(blockDirectory) failed: \(error)")
        }
        for file in try await blockFiles(tenant: tenant, id: id) {
            do {
                try await bucket.download(key(tenant, id, file.path), toFile: blockDirectory + "/" + file.path)
            } catch {
                throw .unavailable("downloading \(file.path) of block \(id) failed: \(error)")
            }
        }
        var report = await runBlocking { BlockVerifier.verify(directory: blockDirectory) }
        // Name files as the block's own paths (`index`, `chunks/000001`), not this server's work directory.
        let local = blockDirectory + "/"
        report.problems = report.problems.map { $0.replacingOccurrences(of: local, with: "") }
        report.warnings = report.warnings.map { $0.replacingOccurrences(of: local, with: "") }
        return report
    }

    /// A fresh directory under the work directory, for one operation on one block.
    func makeWorkDirectory(_ purpose: String, _ tenant: TenantID, _ id: String) throws(AdminStorageError) -> String {
        let path = "\(workDirectory)/\(purpose)-\(tenant.rawValue)-\(id)-\(UUID().uuidString.prefix(8))"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create \(path) (the admin work directory under -compactor.data-dir): \(error)")
        }
        return path
    }
}
