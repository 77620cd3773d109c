import Foundation
import Glibc
import StrataBlocks
import StrataModel
import StrataTSDB

/// A block the ingester cut and keeps on local disk until it is shipped and past retention.
struct LocalBlock: Sendable {
    let block: Block
    var shipped: Bool
    var ulid: String { block.meta.ulid }
}

/// The blocks a cut produced per tenant, and why each failed tenant failed.
struct CutReport: Sendable {
    var blocks: [TenantID: [BlockMeta]] = [:]
    var failures: [TenantID: String] = [:]
}

extension Ingester {
    /// The Thanos section every block of `tenant` carries (Mimir's ingester writes the same).
    static func thanosSection(for tenant: TenantID) -> BlockMeta.Thanos {
        BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: tenant.rawValue], source: Self.blockSource)
    }

    /// `thanos.source` of blocks cut by an ingester.
    static let blockSource = "receive"

    /// Opens the blocks in a tenant's directory (`<dir>/<tenant>/<ULID>/`) and removes leftovers of
    /// interrupted writes (`<ULID>.tmp`). Returns them sorted by `minTime`.
    func openLocalBlocks(tenant: TenantID, shipped: Set<String>) throws -> [LocalBlock] {
        let dir = tenantDirectory(tenant)
        var out: [LocalBlock] = []
        for name in try listSubdirectories(dir) {
            if name.hasSuffix(BlockFormat.temporarySuffix) {
                try? FileManager.default.removeItem(atPath: dir + "/" + name)
                continue
            }
            guard ULID(name) != nil else { continue }
            do {
                let block = try Block(directory: dir + "/" + name)
                out.append(LocalBlock(block: block, shipped: shipped.contains(name)))
            } catch {
                // A block that cannot be opened is never shipped or served; the operator decides.
                logger.error("cannot open local block; it is ignored", metadata: [
                    "user": "\(tenant)", "block": "\(name)", "err": "\(error)",
                ])
            }
        }
        return out.sorted { $0.block.meta.minTime < $1.block.meta.minTime }
    }

    /// `<dir>/<tenant>`.
    func tenantDirectory(_ tenant: TenantID) -> String {
        config.directory + "/" + tenant.rawValue
    }

    /// Cuts blocks from every tenant's head: the ranges the head has moved past or, with
    /// `force`, everything. Blocking file I/O: call it off the cooperative pool. Returns the new
    /// blocks per tenant. A tenant whose cut fails keeps its head intact and is retried next time.
    @discardableResult
    public func cutBlocks(force: Bool, tenants only: Set<TenantID>? = nil) -> [TenantID: [BlockMeta]] {
        cutBlocksReporting(force: force, tenants: only).blocks
    }

    /// `cutBlocks`, also returning why each failed tenant failed; one tenant's failure never
    /// stops the cut of another.
    func cutBlocksReporting(force: Bool, tenants only: Set<TenantID>?) -> CutReport {
        var report = CutReport()
        guard blockStorage != nil else { return report }
        for (tenant, head) in heads.withLock({ $0 }) where only?.contains(tenant) ?? true {
            do {
                let metas = try head.cutBlocks(into: tenantDirectory(tenant), thanos: Self.thanosSection(for: tenant), force: force)
                guard !metas.isEmpty else { continue }
                var opened: [LocalBlock] = []
                for meta in metas {
                    opened.append(LocalBlock(block: try Block(directory: tenantDirectory(tenant) + "/" + meta.ulid), shipped: false))
                }
                localBlocks.withLock { map in
                    map[tenant, default: []].append(contentsOf: opened)
                    map[tenant]?.sort { $0.block.meta.minTime < $1.block.meta.minTime }
                }
                metrics.recordBlocksCut(tenant: tenant, count: metas.count)
                report.blocks[tenant] = metas
                logger.info("cut blocks from the head", metadata: [
                    "user": "\(tenant)", "blocks": "\(metas.map { "\($0.ulid) [\($0.minTime), \($0.maxTime))" })",
                ])
            } catch {
                logger.error("cutting blocks from the head failed; the head is kept and the cut retried", metadata: [
                    "user": "\(tenant)", "err": "\(error)",
                ])
                report.failures[tenant] = "cutting blocks from the head failed: \(error)"
            }
        }
        return report
    }

    /// Deletes local blocks that are shipped and whose end is older than the retention period.
    /// Returns how many were removed.
    @discardableResult
    public func removeExpiredBlocks(now: Int64) -> Int {
        guard let storage = blockStorage else { return 0 }
        let cutoff = now - storage.retentionPeriod.inMilliseconds
        let expired = localBlocks.withLock { map -> [(TenantID, LocalBlock)] in
            var out: [(TenantID, LocalBlock)] = []
            for (tenant, blocks) in map {
                let (gone, kept) = blocks.partitioned { $0.shipped && $0.block.meta.maxTime <= cutoff }
                if !gone.isEmpty {
                    map[tenant] = kept
                    out += gone.map { (tenant, $0) }
                }
            }
            return out
        }
        for (tenant, local) in expired {
            do {
                try FileManager.default.removeItem(atPath: local.block.directory)
                logger.info("removed a shipped block past retention from local disk", metadata: ["user": "\(tenant)", "block": "\(local.ulid)"])
            } catch {
                logger.warning("could not remove a shipped block from local disk", metadata: [
                    "user": "\(tenant)", "block": "\(local.ulid)", "err": "\(error)",
                ])
            }
        }
        return expired.count
    }

    /// The local blocks of `tenant` overlapping `[minTime, maxTime]`.
    func localBlocks(for tenant: TenantID, minTime: Int64, maxTime: Int64) -> [Block] {
        localBlocks.withLock { $0[tenant] ?? [] }
            .filter { $0.block.meta.minTime <= maxTime && $0.block.meta.maxTime > minTime }
            .map(\.block)
    }

    /// Local blocks per tenant (ULID, range, shipped), for status pages and tests.
    public func localBlockList() -> [TenantID: [(ulid: String, minTime: Int64, maxTime: Int64, shipped: Bool)]] {
        localBlocks.withLock { $0 }.mapValues { blocks in
            blocks.map { ($0.ulid, $0.block.meta.minTime, $0.block.meta.maxTime, $0.shipped) }
        }
    }
}

extension Array {
    /// Splits into the elements matching `predicate` and the rest, keeping order.
    func partitioned(_ predicate: (Element) -> Bool) -> (matching: [Element], rest: [Element]) {
        var a: [Element] = [], b: [Element] = []
        for e in self { if predicate(e) { a.append(e) } else { b.append(e) } }
        return (a, b)
    }
}

/// Names of the subdirectories of `path` (none when it does not exist).
func listSubdirectories(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else {
        if errno == ENOENT { return [] }
        throw IngesterFileError(path: path, operation: "opendir", code: errno)
    }
    defer { closedir(dir) }
    var out: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        guard name != ".", name != "..", entry.pointee.d_type == UInt8(DT_DIR) else { continue }
        out.append(name)
    }
    return out.sorted()
}
