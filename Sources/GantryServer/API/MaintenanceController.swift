import Foundation
import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/maintenance`: maintenance mode. The router answers the app's requests
/// with 503 and a page while it is on; its processes keep running. A change reaches the router
/// at once and outlives gantryd's restarts.
struct MaintenanceController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let lifecycle: AppLifecycle

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/maintenance", .app(.read)) { _, context in
            Response.json(AppMaintenance(maintenance: try await store.maintenance(app: try appName(context))))
        }
        routes.put("apps/:name/maintenance", .app(.deploy), audit: "maintenance:on", use: turnOn)
        routes.delete("apps/:name/maintenance", .app(.deploy), audit: "maintenance:off") { _, context in
            let app = try appName(context)
            guard try await store.removeMaintenance(app: app) else { throw HTTPProblem(.notFound, "\(app) is not in maintenance") }
            await lifecycle.maintenanceChanged(app, nil)
            return Response(status: .noContent)
        }
    }

    /// `PUT …/maintenance` with a `MaintenanceRequest` (an empty body: the default page).
    @Sendable func turnOn(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let body = try await request.body.collect(upTo: 4096)
        let wanted: MaintenanceRequest
        do {
            wanted = body.readableBytes == 0 ? MaintenanceRequest() : try API.decoder().decode(MaintenanceRequest.self, from: body)
        } catch {
            throw HTTPProblem(.badRequest, #"expected {"message": "…"} (one line of text, at most 500 bytes) or an empty body"#)
        }
        let maintenance = Maintenance(message: wanted.message, since: Date(), by: try context.requireCaller().user.name.rawValue)
        try await store.setMaintenance(app: app, maintenance)
        await lifecycle.maintenanceChanged(app, maintenance)
        return Response.json(AppMaintenance(maintenance: maintenance))
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
