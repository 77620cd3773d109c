import Logging
import StrataRing

extension ReadPlan {
    /// Calls every instance of the plan concurrently and returns the answers of those that
    /// answered, in completion order. A failed instance is logged (`what` names the read) and
    /// absorbed while the plan allows; past that the read throws `QuerierError.instanceFailed`.
    /// An error for which `isFinal` is true (the request's own error, such as a bad matcher or a
    /// limit) is rethrown at once, whatever the plan.
    func fanOut<Client, T: Sendable>(ring: Ring, what: String, logger: Logger,
                                     clients: @escaping @Sendable (InstanceDesc) -> Client,
                                     isFinal: @escaping @Sendable (any Error) -> Bool = { _ in false },
                                     _ call: @escaping @Sendable (Client) async throws -> T) async throws -> [T] {
        var plan = self
        return try await withThrowingTaskGroup(of: (Int, Result<T, any Error>).self) { group in
            for (index, instance) in plan.instances.enumerated() {
                group.addTask {
                    do { return (index, .success(try await call(clients(instance)))) } catch { return (index, .failure(error)) }
                }
            }
            var answers: [T] = []
            answers.reserveCapacity(plan.instances.count)
            for try await (index, result) in group {
                switch result {
                case .success(let answer):
                    answers.append(answer)
                case .failure(let error) where isFinal(error):
                    group.cancelAll()
                    throw error
                case .failure(let error):
                    let instance = plan.instances[index]
                    logger.warning("\(what) from a replica failed", metadata: [
                        "ring": "\(ring.key)", "instance": "\(instance.id)", "addr": "\(instance.address)", "err": "\(error)",
                    ])
                    if !plan.absorb(failureOf: instance) {
                        group.cancelAll()
                        throw QuerierError.instanceFailed(ring: ring.key, instance: instance.id, address: instance.address, reason: "\(error)")
                    }
                }
            }
            return answers
        }
    }
}
