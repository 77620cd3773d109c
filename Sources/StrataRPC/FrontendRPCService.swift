import GRPCCore
import Logging
import StrataQueryFrontend

/// Serves `strata.Frontend/Process` for a query-frontend: each stream is one querier worker
/// pulling from the frontend's queue, one request at a time.
///
/// A request in flight when the stream breaks (the querier was killed or lost its connection)
/// fails as `unavailable`, which the frontend retries on another querier; the client sees one
/// answer.
public struct FrontendRPCService: RegistrableRPCService {
    private let queue: RequestQueue
    private let logger: Logger

    /// Serves the queue `queue`.
    public init(queue: RequestQueue, logger: Logger) {
        self.queue = queue
        self.logger = logger
    }

    /// Registers Process with the server's router.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let queue = self.queue
        let logger = self.logger
        router.registerHandler(forMethod: StrataRPCMethods.frontendProcess,
                               deserializer: FrontendStreamDeserializer(),
                               serializer: FrontendStreamSerializer()) { request, _ in
            StreamingServerResponse { writer in
                var messages = request.messages.makeAsyncIterator()
                guard case .hello(let querierID)? = try await messages.next(), !querierID.isEmpty else {
                    throw RPCError(code: .invalidArgument, message: "a querier must open strata.Frontend/Process with hello and its ID")
                }
                queue.registerQuerier(querierID)
                defer { queue.unregisterQuerier(querierID) }
                logger.debug("querier connected", metadata: ["querier": "\(querierID)"])
                var sequence: UInt64 = 0
                while let item = await queue.dequeue(querierID: querierID) {
                    sequence += 1
                    do {
                        try await writer.write(.request(sequence: sequence, item.request))
                        switch try await messages.next() {
                        case .response(let seq, let response)? where seq == sequence:
                            item.complete(.success(response))
                        case .failure(let seq, let failure)? where seq == sequence:
                            item.complete(.failure(failure))
                        case nil:
                            item.complete(.failure(.unavailable("querier \(querierID) closed its stream while running the query")))
                            return [:]
                        default:
                            item.complete(.failure(.unavailable("querier \(querierID) answered out of turn")))
                            throw RPCError(code: .invalidArgument, message: "answer to a request that was not sent")
                        }
                    } catch {
                        item.complete(.failure(.unavailable("querier \(querierID) went away while running the query: \(error)")))
                        throw error
                    }
                }
                return [:]
            }
        }
    }
}
