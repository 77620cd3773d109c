import GRPCCore
import Logging
import ServiceLifecycle
import StrataRPC
import StrataRing

/// Serves this process's ingester and store-gateway to the other processes of a cluster over
/// gRPC on `-server.grpc-listen-address:-server.grpc-listen-port`.
///
/// On graceful shutdown the ingester first turns LEAVING in its ring, so distributors stop
/// choosing it for writes, then the server stops taking new calls and lets those in flight finish.
/// It sits after the ingester in the service list, so it stops before the ingester closes its WAL.
struct RPCServerService: Service {
    let server: RPCServer
    let ingesterLifecycler: RingLifecycler?
    let logger: Logger

    init(components: ServerComponents, logger: Logger) throws {
        var services: [any RegistrableRPCService] = []
        if let ingester = components.ingester, components.servesIngesterRPC {
            services.append(IngesterRPCService(ingester: ingester, store: components.exemplarsAndMetadata))
            services.append(QuerierRPCService(queryable: ingester, role: .ingester))
            services.append(CardinalityRPCService(replica: ingester))
        }
        if let storeGateway = components.storeGateway, components.servesStoreGatewayRPC {
            services.append(QuerierRPCService(queryable: storeGateway, role: .storeGateway))
        }
        if let frontend = components.frontend, components.servesFrontendRPC {
            services.append(FrontendRPCService(queue: frontend.queue, logger: logger))
        }
        let host = components.config.server.grpcListenAddress.isEmpty ? "0.0.0.0" : components.config.server.grpcListenAddress
        server = try RPCServer(host: host, port: components.config.server.grpcListenPort, services: services, logger: logger)
        ingesterLifecycler = components.ingesterLifecycler
        self.logger = logger
    }

    func run() async throws {
        let server = self.server
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: { [ingesterLifecycler, logger] in
            Task {
                if let ingesterLifecycler, ingesterLifecycler.currentState == .active {
                    do { try await ingesterLifecycler.changeState(to: .leaving) } catch {
                        logger.warning("could not mark the ingester LEAVING before stopping gRPC", metadata: ["err": "\(error)"])
                    }
                }
                server.shutdown()
            }
        }
    }
}
