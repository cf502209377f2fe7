import Foundation
import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/webhooks`: an app's webhooks (created with their secret shown once,
/// listed without it, removed) and the deliveries they made.
struct WebhooksController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let configuration: ServerConfiguration

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/webhooks", .app(.read)) { _, context in Response.json(try await store.webhooks(app: appName(context))) }
        routes.post("apps/:name/webhooks", .app(.deploy), audit: "webhooks:add", use: create)
        routes.delete("apps/:name/webhooks/:id", .app(.deploy), audit: "webhooks:remove") { _, context in
            try await store.deleteWebhook(app: appName(context), id: context.parameters.get("id") ?? "")
            return Response(status: .noContent)
        }
        routes.get("apps/:name/webhooks/deliveries", .app(.read)) { request, context in
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
            guard (1...1000).contains(limit) else { throw HTTPProblem(.badRequest, "limit must be between 1 and 1000") }
            return Response.json(try await store.deliveries(app: appName(context), limit: limit))
        }
    }

    /// Validates a `CreateWebhook` and answers 201 with the URL to paste and the secret.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        let body = try await request.body.collect(upTo: 64 << 10)
        let create: CreateWebhook
        do {
            create = try API.decoder().decode(CreateWebhook.self, from: body)
        } catch {
            throw HTTPProblem(
                .badRequest, #"expected a JSON body like {"provider": "gitea", "repoURL": "https://git.example.com/me/app.git", "branch": "main"}; provider is gitea, github or gitlab"#)
        }
        let repoURL = try CloneURL(create.repoURL)
        let branch = create.branch ?? "main"
        _ = try RefName.branch(branch)
        if let token = create.statusToken, token.isEmpty || token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) {
            throw HTTPProblem(.badRequest, "the status token is empty or contains spaces or control characters")
        }
        if let apiURL = create.apiURL {
            guard let url = try? CloneURL(apiURL), ["http", "https"].contains(url.scheme) else {
                throw HTTPProblem(.badRequest, "invalid API URL '\(apiURL.prefix(200))': use http(s)://HOST/api/…")
            }
        }
        let (hook, secret) = try await store.createWebhook(
            app: app, provider: create.provider, repoURL: repoURL, branch: branch, statusToken: create.statusToken, apiURL: create.apiURL)
        let origin = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return Response.json(CreatedWebhook(url: "http://\(origin)\(hook.path)", secret: secret, webhook: hook), status: .created)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
