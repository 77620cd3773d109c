import Glibc
import Prometheus
import Synchronization

/// The standard `process_*` metrics of Prometheus's client libraries, read from `/proc` when
/// `/metrics` is scraped (Linux only): CPU time, resident and virtual memory, open and maximum
/// file descriptors, and the start time. Names, types and help texts are those of the Go
/// client's process collector, so the usual dashboards and alerts work unchanged.
///
/// A figure that cannot be read (no `/proc`, a format change) is left out of that scrape rather
/// than reported as 0.
final class ProcessMetrics: Sendable {
    /// What `/proc/self/stat` tells about the process.
    struct Stat: Equatable {
        /// User plus system CPU time, in clock ticks.
        var cpuTicks: UInt64
        /// Start time after boot, in clock ticks.
        var startTicks: UInt64
        /// Virtual memory size, bytes.
        var virtualBytes: UInt64
        /// Resident set size, pages.
        var residentPages: UInt64
    }

    /// The CPU seconds already added to the counter: a counter only goes up, so each scrape adds
    /// the difference.
    private let reportedCPUSeconds = Mutex<Double>(0)

    /// Creates the collector; nothing is read before the first `update`.
    init() {}

    /// Reads `/proc` and sets the metrics in `registry`.
    func update(registry: PrometheusCollectorRegistry) {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if ticks > 0, let text = Self.readFile("/proc/self/stat"), let stat = Self.parseStat(text) {
            let cpu = Double(stat.cpuTicks) / ticks
            let delta = reportedCPUSeconds.withLock { reported -> Double in
                guard cpu > reported else { return 0 }
                defer { reported = cpu }
                return cpu - reported
            }
            let counter = registry.makeCounter(descriptor: Self.descriptor(
                "process_cpu_seconds_total", "Total user and system CPU time spent in seconds."))
            if delta > 0 { counter.increment(by: delta) }
            gauge(registry, "process_virtual_memory_bytes", "Virtual memory size in bytes.", Double(stat.virtualBytes))
            if pageSize > 0 {
                gauge(registry, "process_resident_memory_bytes", "Resident memory size in bytes.", Double(stat.residentPages) * pageSize)
            }
            if let boot = Self.bootTime {
                gauge(registry, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                      boot + Double(stat.startTicks) / ticks)
            }
        }
        if let open = Self.openFileDescriptors() {
            gauge(registry, "process_open_fds", "Number of open file descriptors.", Double(open))
        }
        if let text = Self.readFile("/proc/self/limits"), let max = Self.parseMaxOpenFiles(text) {
            gauge(registry, "process_max_fds", "Maximum number of open file descriptors.", max)
        }
    }

    private func gauge(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String, _ value: Double) {
        registry.makeGauge(descriptor: Self.descriptor(name, help)).set(to: value)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // MARK: - Parsing (pure, tested)

    /// Parses `/proc/<pid>/stat` (proc(5)): the fields after the command name, which is in
    /// parentheses and may itself hold spaces and parentheses, so the split starts after the
    /// last `)`. Fields 14 and 15 are utime and stime, 22 starttime, 23 vsize, 24 rss.
    static func parseStat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // Field 3 (state) is the first after the command.
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        func field(_ n: Int) -> UInt64? {
            let i = n - 3
            guard i >= 0, i < fields.count else { return nil }
            return UInt64(fields[i])
        }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23),
              let rss = field(24) else { return nil }
        let (cpu, overflow) = utime.addingReportingOverflow(stime)
        guard !overflow else { return nil }
        return Stat(cpuTicks: cpu, startTicks: start, virtualBytes: vsize, residentPages: rss)
    }

    /// The boot time, Unix seconds, from the `btime` line of `/proc/stat`.
    static func parseBootTime(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// The soft limit of open files from `/proc/<pid>/limits` (`Max open files  <soft>  <hard>  files`);
    /// `unlimited` is reported as 2^64-1, as the Go client does.
    static func parseMaxOpenFiles(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let rest = line.dropFirst("Max open files".count).split(separator: " ")
            guard let soft = rest.first else { return nil }
            if soft == "unlimited" { return Double(UInt64.max) }
            return UInt64(soft).map { Double($0) }
        }
        return nil
    }

    // MARK: - Reading /proc

    /// The boot time, read once: it does not change while the process runs.
    static let bootTime: Double? = readFile("/proc/stat").flatMap(parseBootTime)

    /// The whole of a small file (procfs reports size 0, so read until EOF); nil if unreadable.
    /// Reads at most 1 MiB: the files read here are a few hundred bytes.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The entries of `/proc/self/fd`, not counting the descriptor that reads the directory.
    static func openFileDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard !name.hasPrefix("."), Int32(name) != own else { continue }
            count += 1
        }
        return count
    }
}
