import StrataHTTP
import StrataModel
import StrataObjstore

extension ServerComponents {
    /// The admin endpoints' bucket work for this process: uploads are staged and blocks verified
    /// under `-compactor.data-dir`/admin; the ingester's heads count in the tenant listing; an
    /// uploaded block is loaded by this process's store-gateway at once, not at its next sync.
    func makeBucketAdmin(bucket: any Bucket) -> BucketAdmin {
        let gateway = storeGateway
        let log = logger
        var headSeries: (@Sendable () -> [TenantID: Int])? = nil
        if let ingester {
            headSeries = { ingester.tenantStats().mapValues(\.numSeries) }
        }
        return BucketAdmin(bucket: bucket, workDirectory: config.compactor.dataDirectory + "/admin", headSeries: headSeries,
                           afterUpload: { tenant in
                               do { try await gateway?.sync() } catch {
                                   log.warning("store-gateway sync after a block upload failed",
                                               metadata: ["tenant": "\(tenant)", "err": "\(error)"])
                               }
                           }, logger: logger)
    }
}
