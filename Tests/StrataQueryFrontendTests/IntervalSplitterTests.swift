import StrataModel
import StrataPromQL
import Testing
@testable import StrataQueryFrontend

@Suite struct IntervalSplitterTests {
    let day: Int64 = 86_400_000

    @Test func partsCoverEveryStepOnceWithinOneIntervalEach() {
        for (start, end, step) in [(Int64(0), Int64(3 * 86_400_000), Int64(60_000)), (7_000, 200_000_000, 3_600_000),
                                   (-5 * 86_400_000 + 17, 86_400_000, 45_000), (5, 5, 1000)] {
            let parts = IntervalSplitter.parts(start: start, end: end, step: step, interval: day)
            var expected: [Int64] = []
            var t = start
            while t <= end { expected.append(t); t += step }
            var got: [Int64] = []
            for p in parts {
                var t = p.start
                while t <= p.end { got.append(t); t += step }
                let floorDay = { (x: Int64) -> Int64 in x >= 0 ? x / day : -((-x + day - 1) / day) }
                #expect(floorDay(p.start) == floorDay(p.end), "part \(p) crosses an interval boundary")
            }
            #expect(got == expected)
        }
    }

    @Test func splitAnswerEqualsWholeAnswer() async throws {
        let runner = RecordingRunner()
        let splitter = IntervalSplitter(next: runner, interval: day, parallelism: { _ in 3 })
        let r = rangeRequest(start: 1000, end: 3 * day + 5000, step: 300_000)
        let split = try await splitter.run(r)
        let whole = try await runner.run(r)
        #expect(points(split) == points(whole))
        #expect(split.stats.splitQueries == 4)
        #expect(runner.requests.count == 5)
    }

    @Test func atModifierQueriesAreNotSplit() async throws {
        let runner = RecordingRunner()
        let splitter = IntervalSplitter(next: runner, interval: day, parallelism: { _ in 3 })
        _ = try await splitter.run(rangeRequest("up @ start()", start: 0, end: 3 * day, step: 3_600_000))
        #expect(runner.requests.count == 1)
    }

    @Test func aFailingPartFailsTheQuery() async {
        let splitter = IntervalSplitter(next: RecordingRunner(), interval: day, parallelism: { _ in 2 })
        await #expect(throws: QueryFailure.self) {
            _ = try await splitter.run(rangeRequest("fail_me", start: 0, end: 3 * day, step: 3_600_000))
        }
    }
}
