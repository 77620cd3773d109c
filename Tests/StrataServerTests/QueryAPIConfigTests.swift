import Foundation
@testable import StrataHTTP
import StrataModel
import StrataServer
import Testing

/// The `-querier.*` flags and `querier:` YAML keys, and their effect on queries.
@Suite struct QueryAPIConfigTests {
    @Test func defaultsFlagsAndYAML() throws {
        let defaults = try ConfigLoader.load(arguments: []).config.querier
        #expect(defaults.lookbackDelta == .seconds(300))
        #expect(defaults.maxSamples == 50_000_000)
        #expect(defaults.timeout == .seconds(120))
        #expect(!defaults.promqlExperimentalFunctionsEnabled)

        let yaml = """
        querier:
          lookback_delta: 1m
          max_samples: 1000
          timeout: 30s
          promql_experimental_functions_enabled: true
        """
        let r = try ConfigLoader.load(arguments: ["-config.file=q.yaml", "-querier.timeout=10s"]) { _ in yaml }
        #expect(r.config.querier.lookbackDelta == .seconds(60))
        #expect(r.config.querier.maxSamples == 1000)
        #expect(r.config.querier.timeout == .seconds(10))
        #expect(r.config.querier.promqlExperimentalFunctionsEnabled)
        let printed = ConfigPrinter.yaml(r.config)
        #expect(printed.contains("lookback_delta: 1m"))
        #expect(printed.contains("promql_experimental_functions_enabled: true"))
        let usage = ConfigPrinter.usage(program: "strata")
        for flag in ["-querier.lookback-delta", "-querier.max-samples", "-querier.timeout", "-querier.promql-experimental-functions-enabled"] {
            #expect(usage.contains(flag), "missing \(flag)")
        }
    }

    @Test func settingsReachTheEngine() async throws {
        let strata = try await InProcessStrata {
            $0.querier.lookbackDelta = .seconds(60)
            $0.querier.maxSamples = 1234
            $0.querier.timeout = .seconds(7)
            $0.querier.promqlExperimentalFunctionsEnabled = true
        }
        let options = strata.components.api().engineOptions
        #expect(options.lookbackDelta == 60_000)
        #expect(options.maxSamples == 1234)
        #expect(options.timeout == .seconds(7))
        #expect(options.experimentalFunctions)
        let t0 = (nowMs() / 1000 - 200) * 1000
        try await strata.test { client in
            try await pushSeries(client, [(Labels(["__name__": "up"]), [Sample(timestamp: t0, value: 1)])])
            // 59 s after the sample it is still seen; 61 s after, the 1m lookback no longer reaches it.
            let seen = try await apiCall(client, "/api/v1/query?query=up&time=\(t0 / 1000 + 59)")
            #expect(seen.body.contains(#""value":["#))
            let gone = try await apiCall(client, "/api/v1/query?query=up&time=\(t0 / 1000 + 61)")
            #expect(gone.body == #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
            // A request's lookback_delta overrides the flag for that query only.
            let longer = try await apiCall(client, "/api/v1/query?query=up&time=\(t0 / 1000 + 61)&lookback_delta=2m")
            #expect(longer.body.contains(#""value":["#))
            let bad = try await apiCall(client, "/api/v1/query?query=up&lookback_delta=later")
            #expect(bad.body == #"{"status":"error","errorType":"bad_data","error":"error parsing lookback delta duration: cannot parse \"later\" to a valid duration"}"#)
        }
    }
}
