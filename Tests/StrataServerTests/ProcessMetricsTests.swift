import Foundation
import Hummingbird
import HummingbirdTesting
import StrataModel
import StrataRing
import Testing
@testable import StrataServer

/// The `process_*` metrics: parsing of `/proc/self/stat`, `/proc/self/limits` and `/proc/stat`,
/// and the values `/metrics` shows for this very process.
@Suite struct ProcessMetricsTests {
    /// A real `/proc/<pid>/stat` line whose command name holds spaces and parentheses.
    static let statLine = "4242 (strata (odd) name) S 1 4242 4242 0 -1 4194560 12345 0 3 0 1234 567 0 0 20 0 17 0 98765 "
        + "1073741824 2048 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

    @Test func statFieldsAfterTheCommandName() throws {
        let stat = try #require(ProcessMetrics.parseStat(Self.statLine))
        #expect(stat == ProcessMetrics.Stat(cpuTicks: 1234 + 567, startTicks: 98765, virtualBytes: 1_073_741_824, residentPages: 2048))
    }

    @Test func malformedStatIsNil() {
        #expect(ProcessMetrics.parseStat("") == nil)
        #expect(ProcessMetrics.parseStat("4242 strata S 1 2 3") == nil, "no command in parentheses")
        #expect(ProcessMetrics.parseStat("4242 (strata) S 1 2 3") == nil, "too few fields")
        #expect(ProcessMetrics.parseStat(Self.statLine.replacingOccurrences(of: " 1234 567 ", with: " x 567 ")) == nil, "utime not a number")
    }

    @Test func maxOpenFilesIsTheSoftLimit() {
        let limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max open files            1024                 524288               files
        Max locked memory         8388608              8388608              bytes

        """
        #expect(ProcessMetrics.parseMaxOpenFiles(limits) == 1024)
        let unlimited = limits.replacingOccurrences(of: "1024                 524288", with: "unlimited            unlimited")
        #expect(ProcessMetrics.parseMaxOpenFiles(unlimited) == Double(UInt64.max))
        #expect(ProcessMetrics.parseMaxOpenFiles("Limit Soft Hard Units\n") == nil)
    }

    @Test func bootTimeFromProcStat() {
        #expect(ProcessMetrics.parseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n") == 1_700_000_000)
        #expect(ProcessMetrics.parseBootTime("cpu  1 2 3\n") == nil)
    }

    @Test func thisProcessFromProc() throws {
        let stat = try #require(ProcessMetrics.readFile("/proc/self/stat").flatMap(ProcessMetrics.parseStat))
        #expect(stat.virtualBytes > 0 && stat.residentPages > 0)
        let open = try #require(ProcessMetrics.openFileDescriptors())
        // stdin, stdout and stderr at least; a descriptor opened now is counted.
        #expect(open >= 3)
        let fd = Foundation.open("/proc/self/stat", O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        // Other tests open and close descriptors meanwhile: only the bound is certain.
        #expect(try #require(ProcessMetrics.openFileDescriptors()) >= 4)
        let max = try #require(ProcessMetrics.readFile("/proc/self/limits").flatMap(ProcessMetrics.parseMaxOpenFiles))
        #expect(max >= Double(open))
        let boot = try #require(ProcessMetrics.bootTime)
        #expect(boot > 1_000_000_000 && boot < Date().timeIntervalSince1970)
    }

    /// The value of an unlabelled sample `name` in exposition text.
    static func value(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    @Test func metricsEndpointShowsTheProcess() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            var first = ""
            try await client.execute(uri: "/metrics", method: .get) { r in first = String(buffer: r.body) }
            for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                         "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
                #expect(first.contains("# HELP \(name) "), "no HELP for \(name)")
                #expect(Self.value(name, in: first) != nil, "no sample of \(name) in /metrics")
            }
            #expect(first.contains("# TYPE process_cpu_seconds_total counter"))
            let now = Date().timeIntervalSince1970
            let start = try #require(Self.value("process_start_time_seconds", in: first))
            #expect(start <= now + 1 && start > now - 7 * 86400, "start time \(start), now \(now)")
            let resident = try #require(Self.value("process_resident_memory_bytes", in: first))
            #expect(resident > Double(1 << 20))
            let maxFDs = try #require(Self.value("process_max_fds", in: first))
            let openFDs = try #require(Self.value("process_open_fds", in: first))
            #expect(maxFDs >= openFDs && openFDs >= 3)

            // Burn some CPU: the counter goes up, never down.
            var x: UInt64 = 1
            for i in 0..<20_000_000 { x = x &* 6364136223846793005 &+ UInt64(i) }
            #expect(x != 0)
            var second = ""
            try await client.execute(uri: "/metrics", method: .get) { r in second = String(buffer: r.body) }
            let cpu1 = try #require(Self.value("process_cpu_seconds_total", in: first))
            let cpu2 = try #require(Self.value("process_cpu_seconds_total", in: second))
            #expect(cpu2 > cpu1, "cpu \(cpu1) then \(cpu2)")
        }
    }
}

/// `strata_ring_members` and `strata_ring_oldest_member_timestamp`, from a ring description.
@Suite struct RingMetricsTests {
    static func instance(_ id: String, _ state: InstanceState, heartbeat: Int64) -> InstanceDesc {
        InstanceDesc(id: id, address: "\(id):9095", state: state, tokens: [1], heartbeatTimestamp: heartbeat, registeredTimestamp: 0)
    }

    @Test func membersByStateWithStaleHeartbeatsUnhealthy() {
        let now: Int64 = 10_000
        let desc = RingDesc(instances: [
            "a": Self.instance("a", .active, heartbeat: now - 5),
            "b": Self.instance("b", .active, heartbeat: now - 20),
            "c": Self.instance("c", .joining, heartbeat: now - 1),
            "d": Self.instance("d", .active, heartbeat: now - 600),
            "e": Self.instance("e", .leaving, heartbeat: now - 900),
        ])
        let m = RingMetrics.members(desc, now: now, heartbeatTimeout: .seconds(60))
        #expect(Set(m.keys) == ["ACTIVE", "JOINING", "LEAVING", "PENDING", "Unhealthy"])
        #expect(m["ACTIVE"] == RingMetrics.Members(count: 2, oldestHeartbeat: now - 20))
        #expect(m["JOINING"] == RingMetrics.Members(count: 1, oldestHeartbeat: now - 1))
        #expect(m["LEAVING"] == RingMetrics.Members(count: 0, oldestHeartbeat: 0), "a stale LEAVING instance is Unhealthy")
        #expect(m["PENDING"] == RingMetrics.Members())
        #expect(m["Unhealthy"] == RingMetrics.Members(count: 2, oldestHeartbeat: now - 900))
    }

    @Test func zeroTimeoutNeverUnhealthy() {
        let desc = RingDesc(instances: ["a": Self.instance("a", .active, heartbeat: 1)])
        let m = RingMetrics.members(desc, now: 1_000_000, heartbeatTimeout: .zero)
        #expect(m["ACTIVE"]?.count == 1)
        #expect(m["Unhealthy"]?.count == 0)
    }
}

/// The query-frontend's metrics and the ring gauges on `/metrics` of a `-target=all` Strata.
@Suite struct FrontendMetricsEndpointTests {
    @Test func queriesQueueCacheAndRingsAreExported() async throws {
        let strata = try await InProcessStrata { config in
            config.frontend.cacheResults = true
        }
        try await strata.test { client in
            // A range query old enough to be cached, twice: a miss, then a hit. Its 10 minutes stay
            // inside one UTC day, so the 24h split interval never cuts it in two (which would
            // double the split and cache counts below).
            var end = nowMs() / 1000 - 7200
            if end % 86400 < 660 { end -= end % 86400 + 60 }
            for _ in 0..<2 {
                let answer = try await apiCall(client, "/prometheus/api/v1/query_range", form: "query=up&start=\(end - 600)&end=\(end)&step=60")
                #expect(answer.status == .ok, "\(answer.body)")
            }
            let instant = try await apiCall(client, "/prometheus/api/v1/query", form: "query=up")
            #expect(instant.status == .ok, "\(instant.body)")
            var text = ""
            try await client.execute(uri: "/metrics", method: .get) { r in text = String(buffer: r.body) }
            let expected = [
                #"strata_query_frontend_queries_total{op="query_range",user="team-a"} 2"#,
                #"strata_query_frontend_queries_total{op="query",user="team-a"} 1"#,
                #"strata_query_frontend_queue_length{user="team-a"} 0"#,
                #"strata_query_frontend_discarded_requests_total{user="team-a"} 0"#,
                #"strata_frontend_split_queries_total 2"#,
                #"strata_frontend_query_result_cache_requests_total{request_type="query_range"} 2"#,
                #"strata_frontend_query_result_cache_hits_total{request_type="query_range"} 1"#,
                #"strata_frontend_sharded_queries_total 0"#,
                #"strata_query_frontend_queue_duration_seconds_count "#,
                // In-process, no lifecycler registers: the rings are there, empty.
                #"strata_ring_members{name="ingester",state="ACTIVE"} 0"#,
                #"strata_ring_members{name="store-gateway",state="Unhealthy"} 0"#,
                #"strata_ring_oldest_member_timestamp{name="compactor",state="ACTIVE"} 0"#,
            ]
            for line in expected {
                #expect(text.contains(line), "/metrics has no `\(line)`")
            }
            let clients = text.split(separator: "\n").first { $0.hasPrefix("strata_query_frontend_connected_clients ") }
            #expect(clients.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 > 0 } == true,
                    "connected clients: \(clients.map(String.init) ?? "missing")")
        }
    }
}
