import StrataBlocks
import StrataModel
import StrataObjstore

/// What one recursive listing of `<tenant>/` says about the tenant's blocks: which have a
/// `meta.json` (complete), a deletion mark (either location), and which chunk files.
///
/// One listing answers all of it, so an update costs a few list pages plus one GET per new block
/// and per new mark, instead of requests per known block.
struct BucketScan {
    struct BlockFiles {
        var hasMeta = false
        var hasBlockMark = false
        var hasGlobalMark = false
        var segments: [String] = []
    }

    /// Keyed by the block ULID (canonical upper-case text, as directory names are written).
    var blocks: [String: BlockFiles] = [:]

    static func scan(bucket: any Bucket, tenant: TenantID) async throws(BucketIndexError) -> BucketScan {
        let prefix = tenant.rawValue + "/"
        var result = BucketScan()
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in
                for key in page.keys { result.record(relative: String(decoding: key.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)) }
            }
        } catch {
            throw .bucket(error)
        }
        return result
    }

    /// Files of blocks that are `000001…` without gaps, nil otherwise (Mimir's `1b6d`).
    static func segmentCount(_ names: [String]) -> Int? {
        let sorted = names.sorted()
        for (i, name) in sorted.enumerated() where name != BlockFormat.segmentFileName(i) { return nil }
        return sorted.count
    }

    private mutating func record(relative path: String) {
        let parts = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return }
        let first = String(parts[0])
        let rest = parts[1]
        if first == BucketIndex.markersDirectory {
            guard rest.hasSuffix(BucketIndex.deletionMarkSuffix) else { return }
            let id = String(rest.dropLast(BucketIndex.deletionMarkSuffix.count))
            guard Self.isCanonicalULID(id) else { return }
            blocks[id, default: BlockFiles()].hasGlobalMark = true
            return
        }
        guard Self.isCanonicalULID(first) else { return }
        if rest == BlockFormat.metaFileName {
            blocks[first, default: BlockFiles()].hasMeta = true
        } else if rest == BucketIndex.blockDeletionMarkName {
            blocks[first, default: BlockFiles()].hasBlockMark = true
        } else if rest.hasPrefix(BlockFormat.chunksDirectoryName + "/") {
            let name = rest.dropFirst(BlockFormat.chunksDirectoryName.count + 1)
            if !name.contains("/") { blocks[first, default: BlockFiles()].segments.append(String(name)) }
        }
    }

    /// Only the canonical (upper-case) spelling is a block directory: keys are case-sensitive,
    /// and a lower-case twin would name different objects.
    static func isCanonicalULID(_ s: String) -> Bool {
        guard let id = ULID(s) else { return false }
        return id.description == s
    }
}
