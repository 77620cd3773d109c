import Foundation
import StrataDeletes
import StrataModel
import StrataObjstore

extension Ingester {
    /// Forgets a deleted tenant: closes its head and removes its WAL, head chunks and local
    /// blocks from disk, so nothing of it is shipped later. Runs between cuts and shipments,
    /// never during one. A push for the tenant after this starts a new, empty head.
    public func deleteTenant(_ tenant: TenantID) async throws {
        let result: Result<Void, any Error> = await maintenance.run { [self] in
            do {
                try dropTenant(tenant)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Drops the tenant's head and local files; the caller holds the maintenance queue.
    func dropTenant(_ tenant: TenantID) throws {
        let head = heads.withLock { $0.removeValue(forKey: tenant) }
        localBlocks.withLock { _ = $0.removeValue(forKey: tenant) }
        try head?.close()
        let dir = config.directory + "/" + tenant.rawValue
        if FileManager.default.fileExists(atPath: dir) { try FileManager.default.removeItem(atPath: dir) }
        logger.info("deleted tenant's head and local blocks removed", metadata: ["user": "\(tenant)"])
    }

    /// Whether the tenant has a tenant deletion mark in the bucket: then its blocks are not
    /// shipped but dropped (in a cluster the API that wrote the mark may run elsewhere).
    func isMarkedForDeletion(_ tenant: TenantID, bucket: any Bucket) async -> Bool {
        (try? await TenantDeletionMark.read(bucket: bucket, tenant: tenant)) != nil
    }
}
