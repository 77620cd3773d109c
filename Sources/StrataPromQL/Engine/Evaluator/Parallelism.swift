#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension EngineOptions {
    /// The number of parallel tasks a query may use, resolving `parallelism == 0`.
    var effectiveParallelism: Int {
        if parallelism > 0 { return parallelism }
        return min(8, Self.processorCount)
    }

    /// Online processor cores (at least 1).
    static let processorCount: Int = {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }()
}
