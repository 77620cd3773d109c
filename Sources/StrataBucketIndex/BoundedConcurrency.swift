/// Runs async work over a list with at most `limit` items in flight, keeping input order.
///
/// Object-store work is latency bound, so running requests concurrently is what makes a scan or
/// a query fast; the bound keeps one caller from opening hundreds of connections.
package enum BoundedConcurrency {
    /// `body` applied to every item, at most `limit` at a time; results in input order.
    package static func map<T: Sendable, R: Sendable>(
        _ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> R
    ) async -> [R] {
        if items.isEmpty { return [] }
        if items.count == 1 { return [await body(items[0])] }
        return await withTaskGroup(of: (Int, R).self) { group in
            var results = [R?](repeating: nil, count: items.count)
            var next = 0
            let width = max(1, min(limit, items.count))
            while next < width {
                let i = next
                group.addTask { (i, await body(items[i])) }
                next += 1
            }
            while let (i, r) = await group.next() {
                results[i] = r
                if next < items.count {
                    let j = next
                    group.addTask { (j, await body(items[j])) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
    }
}
