import StrataRing
import Testing
@testable import StrataHATracker

@Suite("HATrackerConfig")
struct HATrackerConfigTests {
    @Test func defaultsAreMimirsAndValid() throws {
        let config = HATrackerConfig()
        #expect(!config.enabled)
        #expect(config.updateTimeout == .seconds(15))
        #expect(config.updateTimeoutJitterMax == .seconds(5))
        #expect(config.failoverTimeout == .seconds(30))
        #expect(config.keyPrefix == "ha-tracker/")
        try config.validate()
    }

    @Test func failoverMustExceedUpdateTimeoutPlusJitterPlusASecond() throws {
        try HATrackerConfig(updateTimeout: .seconds(15), updateTimeoutJitterMax: .seconds(5), failoverTimeout: .seconds(21)).validate()
        #expect(throws: HATrackerError.self) {
            try HATrackerConfig(updateTimeout: .seconds(15), updateTimeoutJitterMax: .seconds(5), failoverTimeout: .milliseconds(20_999)).validate()
        }
        #expect(throws: HATrackerError.self) {
            try HATrackerConfig(updateTimeoutJitterMax: .seconds(-1)).validate()
        }
        #expect(throws: HATrackerError.self) {
            try HATrackerConfig(updateTimeout: .zero).validate()
        }
        do {
            try HATrackerConfig(failoverTimeout: .seconds(20)).validate()
            Issue.record("a 20 s failover timeout passed validation")
        } catch {
            #expect(error.description.contains("-distributor.ha-tracker.failover-timeout"))
        }
        // A fixed jitter outside ±max is refused too.
        #expect(throws: HATrackerError.self) {
            try HATracker(kv: InMemoryKV(), config: HATrackerConfig(enabled: true), updateTimeoutJitter: .seconds(6))
        }
        let random = try HATracker(kv: InMemoryKV(), config: HATrackerConfig(enabled: true))
        #expect(random.updateTimeoutJitter >= .seconds(-5) && random.updateTimeoutJitter < .seconds(5))
    }
}
