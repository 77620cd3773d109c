import StrataBlocks
import StrataBucketIndex
import StrataObjstore

/// The store-gateway's block reads: turns lists of wanted byte ranges into few, concurrent
/// ranged GETs, and bucket errors into `StoreGatewayError`.
struct RangeFetcher: Sendable {
    /// The instrumented bucket, so every read is counted.
    let bucket: any Bucket
    /// Ranged GETs in flight per `fill`.
    let concurrency: Int
    /// Ranges closer than this are fetched together (Mimir's partitioner gap).
    let maxGap: Int

    /// Sorts `ranges` and merges those that overlap or are at most `maxGap` apart, so one GET
    /// serves neighbours; a gap costs bytes but saves a request's latency.
    static func plan(_ ranges: [Range<Int>], maxGap: Int) -> [Range<Int>] {
        let sorted = ranges.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var out: [Range<Int>] = []
        out.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound + maxGap {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// Fetches `ranges` of `key` into `source`, merged by `plan` (with `maxGap`, the configured
    /// gap by default) and `concurrency` at a time. Bytes already loaded are not fetched again.
    func fill(_ source: SparseByteSource, key: String, ranges: [Range<Int>], maxGap: Int? = nil) async throws(StoreGatewayError) {
        let wanted = ranges.compactMap { r -> Range<Int>? in
            let clamped = r.clamped(to: 0..<source.size)
            return clamped.isEmpty || source.contains(clamped) ? nil : clamped
        }
        let planned = Self.plan(wanted, maxGap: maxGap ?? self.maxGap)
        if planned.isEmpty { return }
        let results = await BoundedConcurrency.map(planned, limit: concurrency) { range -> Result<(Int, [UInt8]), StoreGatewayError> in
            do throws(StoreGatewayError) {
                return .success((range.lowerBound, try await getRange(key, range)))
            } catch {
                return .failure(error)
            }
        }
        for result in results {
            switch result {
            case .success(let (offset, bytes)): source.add(bytes, at: offset)
            case .failure(let error): throw error
            }
        }
    }

    func getRange(_ key: String, _ range: Range<Int>) async throws(StoreGatewayError) -> [UInt8] {
        do {
            return try await bucket.getRange(key, range)
        } catch {
            throw .bucket(error)
        }
    }

    /// The object's size (a HEAD request).
    func size(_ key: String) async throws(StoreGatewayError) -> Int {
        do {
            return try await bucket.attributes(key).size
        } catch {
            throw .bucket(error)
        }
    }

    /// Keys directly under `prefix` (one level, `/` delimiter), all pages.
    func listKeys(prefix: String) async throws(StoreGatewayError) -> [String] {
        do {
            return try await bucket.list(prefix: prefix, delimiter: "/").keys
        } catch {
            throw .bucket(error)
        }
    }
}
