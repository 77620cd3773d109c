import StrataBlocks
import StrataModel

/// Runs the synchronous block decoders over `SparseByteSource`s, fetching whatever they report
/// missing (`BlockError.rangeNotLoaded`) and decoding again, a bounded number of rounds.
///
/// Prefetch planning makes the first round succeed almost always; the rounds cover entries
/// longer than the read-ahead and files laid out unlike Prometheus's. All misses of one round
/// are fetched together, so a batch costs one round trip per round, not one per item.
struct FetchingDecoder: Sendable {
    let fetcher: RangeFetcher
    let tenant: TenantID
    let block: String

    /// Rounds before giving up: an entry needs at most two reads, so more means the object
    /// does not hold what its own offsets promise.
    static let maxRounds = 6
    /// Smallest fetch for a miss: the decoders' first read of a section is its 4-byte length.
    static let minimumMissFetch = 1024

    /// `body`'s result, fetching what it reports missing between attempts.
    func decode<T>(_ sources: [String: SparseByteSource], _ body: () throws(BlockError) -> T) async throws(StoreGatewayError) -> T {
        var lastMiss: (file: String, range: Range<Int>)? = nil
        for _ in 0..<Self.maxRounds {
            do {
                return try body()
            } catch {
                guard case .rangeNotLoaded(let file, let range) = error else {
                    throw .block(tenant: tenant, block: block, error)
                }
                lastMiss = (file, range)
                try await fetch([file: [range]], sources)
            }
        }
        throw incomplete(lastMiss)
    }

    /// `body` applied to every item, in order; the misses of all items are fetched together
    /// before the items that missed are decoded again.
    func decodeEach<T, R>(_ items: [T], _ sources: [String: SparseByteSource],
                          _ body: (T) throws(BlockError) -> R) async throws(StoreGatewayError) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        var pending = Array(items.indices)
        var lastMiss: (file: String, range: Range<Int>)? = nil
        for _ in 0..<Self.maxRounds {
            var misses: [String: [Range<Int>]] = [:]
            var missed: [Int] = []
            for i in pending {
                do {
                    results[i] = try body(items[i])
                } catch {
                    guard case .rangeNotLoaded(let file, let range) = error else {
                        throw .block(tenant: tenant, block: block, error)
                    }
                    misses[file, default: []].append(range)
                    lastMiss = (file, range)
                    missed.append(i)
                }
            }
            if missed.isEmpty { return results.compactMap { $0 } }
            try await fetch(misses, sources)
            pending = missed
        }
        throw incomplete(lastMiss)
    }

    private func fetch(_ misses: [String: [Range<Int>]], _ sources: [String: SparseByteSource]) async throws(StoreGatewayError) {
        for (file, ranges) in misses {
            guard let source = sources[file] else {
                throw incomplete((file, ranges.first ?? 0..<0))
            }
            let widened = ranges.map { r in r.lowerBound..<max(r.upperBound, r.lowerBound + Self.minimumMissFetch) }
            try await fetcher.fill(source, key: file, ranges: widened)
        }
    }

    private func incomplete(_ miss: (file: String, range: Range<Int>)?) -> StoreGatewayError {
        .incompleteRead(tenant: tenant, block: block, key: miss?.file ?? "", range: miss?.range ?? 0..<0)
    }
}
