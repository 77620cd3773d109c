import Hummingbird
import Metrics

/// Records `strata_request_duration_seconds{method, route, status_code, ws}` for every request,
/// as Mimir's `cortex_request_duration_seconds`: the route is the matched endpoint pattern, so
/// the label's cardinality stays bounded whatever paths clients send.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = Int(response.status.code)
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: Int(code), since: start)
            throw error
        }
        record(request, context, status: status, since: start)
        return response
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let route = routeLabel(context.endpointPath ?? "other")
        Timer(label: "strata_request_duration_seconds",
              dimensions: [("method", request.method.rawValue), ("route", route), ("status_code", String(status)), ("ws", "false")],
              factory: factory)
            .recordInterval(since: start)
    }

    /// Mimir's route label style: `api_v1_push` for `/api/v1/push`.
    private func routeLabel(_ path: String) -> String {
        var out = ""
        for ch in path.unicodeScalars {
            if (ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9") {
                out.unicodeScalars.append(ch)
            } else if !out.isEmpty && out.last != "_" {
                out += "_"
            }
        }
        while out.last == "_" { out.removeLast() }
        return out.isEmpty ? "root" : out
    }
}

extension Timer {
    /// Records the time since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attos) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attos / 1_000_000_000)
    }
}
