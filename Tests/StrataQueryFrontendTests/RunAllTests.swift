import StrataModel
import StrataPromQL
import Testing
@testable import StrataQueryFrontend

/// `RunAll`, which both splitting and sharding run their parts with.
@Suite struct RunAllTests {
    /// Answers each request with its start as a scalar; the request starting at `failAt` fails
    /// with a 400, and the others wait until they are canceled (then fail as canceled, as a
    /// queued part does) unless `othersWait` is false.
    struct Runner: QueryRunner {
        var failAt: Int64?
        var othersWait = false

        func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
            if request.start == failAt { throw .badData("part \(request.start) is bad") }
            if othersWait && failAt != nil {
                while !Task.isCancelled { await Task.yield() }
                throw .canceled("part \(request.start) canceled")
            }
            return QueryResponse(value: .scalar(t: request.start, f: Double(request.start)))
        }
    }

    @Test func answersComeBackInRequestOrder() async throws {
        let requests = (0..<20).map { rangeRequest(start: Int64($0), end: Int64($0), step: 1) }
        let answers = try await RunAll.run(requests, parallelism: 3, on: Runner())
        #expect(answers.map(\.value) == (0..<20).map { QueryValue.scalar(t: Int64($0), f: Double($0)) })
    }

    @Test func theFailingPartsFailureIsThrownNotASiblingsCancellation() async throws {
        let requests = (0..<6).map { rangeRequest(start: Int64($0), end: Int64($0), step: 1) }
        do {
            _ = try await RunAll.run(requests, parallelism: 6, on: Runner(failAt: 4, othersWait: true))
            Issue.record("RunAll answered although a part failed")
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains("part 4 is bad"), "\(error.message)")
        }
    }
}
