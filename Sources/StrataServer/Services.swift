import Logging
import NIOPosix
import ServiceLifecycle
import StrataIngester
import StrataLimits

/// Runs the ingester's lifecycle: WAL replay on start, periodic checkpoints, clean close on
/// graceful shutdown (after the HTTP server has drained).
struct IngesterService: Service {
    let ingester: Ingester
    let checkpointInterval: Duration
    let logger: Logger

    func run() async throws {
        try await ingester.open()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: checkpointInterval) } catch { break }
                // Checkpoints write whole files: keep that off the cooperative pool that serves requests.
                let ingester = self.ingester
                try? await NIOThreadPool.singleton.runIfActive { ingester.maintain() }
            }
        }
        ingester.close()
    }
}

/// Reloads the runtime config file until shutdown.
struct RuntimeConfigService: Service {
    let loader: RuntimeConfigLoader

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await loader.run()
        }
    }
}
