import Synchronization

/// Runs several requests on one runner with at most `parallelism` in flight; results come back
/// in request order. The first failure cancels the rest and is thrown.
///
/// The child tasks hand their answers over through `Slots` and return only their index: with
/// the whole `(index, Result<QueryResponse, QueryFailure>)` as the child task's result, the
/// optimized build (Swift 6.3) delivered garbage indices to `group.next()`.
enum RunAll {
    static func run(_ requests: [QueryRequest], parallelism: Int, on runner: any QueryRunner) async throws(QueryFailure) -> [QueryResponse] {
        let slots = Slots(count: requests.count)
        let limit = max(1, parallelism)
        // The failure of the part that failed first: the others are canceled because of it,
        // so it is the one to report.
        let failure: QueryFailure? = await withTaskGroup(of: Int.self) { group in
            var next = 0
            var running = 0
            while true {
                while next < requests.count && running < limit {
                    let i = next
                    let request = requests[i]
                    next += 1
                    running += 1
                    group.addTask {
                        slots.set(i, await attempt(request, on: runner))
                        return i
                    }
                }
                guard let i = await group.next() else { return nil }
                running -= 1
                if case .failure(let failure)? = slots.outcome(i) {
                    group.cancelAll()
                    return failure
                }
            }
        }
        if let failure { throw failure }
        return try slots.responses()
    }

    /// One request's outcome as a value.
    static func attempt(_ request: QueryRequest, on runner: any QueryRunner) async -> Result<QueryResponse, QueryFailure> {
        do throws(QueryFailure) {
            return .success(try await runner.run(request))
        } catch {
            return .failure(error)
        }
    }

    /// The outcomes of a run, by request index.
    final class Slots: Sendable {
        private let outcomes: Mutex<[Result<QueryResponse, QueryFailure>?]>

        init(count: Int) {
            outcomes = Mutex([Result<QueryResponse, QueryFailure>?](repeating: nil, count: count))
        }

        func set(_ i: Int, _ outcome: Result<QueryResponse, QueryFailure>) {
            outcomes.withLock { $0[i] = outcome }
        }

        func outcome(_ i: Int) -> Result<QueryResponse, QueryFailure>? {
            outcomes.withLock { $0[i] }
        }

        /// Every answer in order, once every part has succeeded; a part without an answer (the
        /// group was canceled under us) makes the whole a cancellation.
        func responses() throws(QueryFailure) -> [QueryResponse] {
            let all = outcomes.withLock { $0 }
            var out: [QueryResponse] = []
            out.reserveCapacity(all.count)
            for outcome in all {
                guard case .success(let response) = outcome else {
                    throw .canceled("the query was canceled before all its parts ran")
                }
                out.append(response)
            }
            return out
        }
    }
}
