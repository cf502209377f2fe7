import GantryCore
import GantryStore
import HTTPTypes
import Hummingbird
import Synchronization

/// The API's routes. Each is added with the `Need` its caller must meet, checked before its
/// handler runs (403 naming what is missing), and, for one that changes state, the action the
/// audit log records for it — whether it succeeded, failed or was refused.
struct APIRoutes: Sendable {
    typealias Context = GantryRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let group: RouterGroup<Context>
    let store: Store
    let auditor: Auditor

    func get(_ path: RouterPath, _ need: Need, use handler: @escaping Handler) {
        on(path, method: .get, need, action: nil, use: handler)
    }

    func post(_ path: RouterPath, _ need: Need, audit action: String, use handler: @escaping Handler) {
        on(path, method: .post, need, action: action, use: handler)
    }

    func put(_ path: RouterPath, _ need: Need, audit action: String, use handler: @escaping Handler) {
        on(path, method: .put, need, action: action, use: handler)
    }

    func patch(_ path: RouterPath, _ need: Need, audit action: String, use handler: @escaping Handler) {
        on(path, method: .patch, need, action: action, use: handler)
    }

    func delete(_ path: RouterPath, _ need: Need, audit action: String, use handler: @escaping Handler) {
        on(path, method: .delete, need, action: action, use: handler)
    }

    private func on(_ path: RouterPath, method: HTTPRequest.Method, _ need: Need, action: String?, use handler: @escaping Handler) {
        let (store, auditor) = (store, auditor)
        group.on(path, method: method) { request, context -> Response in
            let caller = try context.requireCaller()
            let app = try context.parameters.get("name").map { try AppName($0) }
            let name = action ?? "\(method.rawValue) \(context.endpointPath ?? "")"
            if let refusal = try await need.refusal(of: caller, method: method, app: app, store: store) {
                await auditor.record(Auditor.entry(caller, peer: context.peer, action: name, app: app, outcome: "denied: \(refusal)"))
                throw HTTPProblem(.forbidden, refusal)
            }
            guard let action else { return try await handler(request, context) }
            do {
                let response = try await handler(request, context)
                let outcome = response.status.code < 400 ? "ok" : "failed: \(response.status.code)"
                await auditor.record(Auditor.entry(caller, peer: context.peer, action: action, app: app, detail: context.note.detail, outcome: outcome))
                return response
            } catch {
                let problem = HTTPProblem.from(error)
                await auditor.record(
                    Auditor.entry(caller, peer: context.peer, action: action, app: app, detail: context.note.detail, outcome: "failed: \(problem.message)"))
                throw error
            }
        }
    }
}

/// Every route added to gantryd's HTTP door, as added: what the authorization test walks, so
/// that a new route cannot be left out of it.
final class RouteCatalog: Sendable {
    struct Route: Hashable, Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        var description: String { "\(method.rawValue) \(path)" }
    }

    private let list = Mutex<[Route]>([])

    var routes: [Route] { list.withLock { $0 } }

    func add(_ method: HTTPRequest.Method, _ path: RouterPath) {
        let text = path.description
        list.withLock { $0.append(Route(method: method, path: text.hasPrefix("/") ? text : "/" + text)) }
    }
}

/// The router, recording each route in a catalog as it is added.
final class RecordingRouter<Context: RequestContext>: RouterMethods {
    let router: Router<Context>
    let catalog: RouteCatalog

    init(_ router: Router<Context>, catalog: RouteCatalog) {
        self.router = router
        self.catalog = catalog
    }

    @discardableResult func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == Context {
        catalog.add(method, path)
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}
