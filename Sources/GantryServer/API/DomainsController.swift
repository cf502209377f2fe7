import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/domains`: the custom domains an app is served at. A change reaches the
/// router at once, without a deploy.
struct DomainsController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let lifecycle: AppLifecycle
    /// Apps are `APP.<appsDomain>`: a custom domain may not be one of those names.
    let appsDomain: String

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/domains", .app(.read)) { _, context in
            let app = try appName(context)
            return Response.json(AppDomains(defaultHost: "\(app).\(appsDomain)", domains: try await store.domains(app: app)))
        }
        routes.post("apps/:name/domains", .app(.deploy), audit: "domains:add", use: add)
        routes.delete("apps/:name/domains/:domain", .app(.deploy), audit: "domains:remove") { _, context in
            let app = try appName(context)
            let domain = try DomainName(context.parameters.get("domain") ?? "")
            context.note.detail = domain.rawValue
            let domains = try await store.removeDomain(domain, from: app)
            await lifecycle.domainsChanged(app, domains.map(\.name))
            return Response(status: .noContent)
        }
    }

    /// `POST …/domains` with `AddDomains`: every name is checked before any is added.
    @Sendable func add(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        guard let add = try? API.decoder().decode(AddDomains.self, from: try await request.body.collect(upTo: 64 << 10)), !add.domains.isEmpty,
            add.domains.count <= 100
        else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"domains": ["www.example.com"]} with 1 to 100 names"#)
        }
        let domains = try add.domains.map { try DomainName($0) }
        context.note.detail = domains.map(\.rawValue).joined(separator: " ")
        let suffix = "." + appsDomain
        for domain in domains where domain.rawValue == appsDomain || domain.rawValue.hasSuffix(suffix) {
            throw HTTPProblem(.badRequest, "\(domain) is under the apps' own domain (\(appsDomain)): every app has APP.\(appsDomain) already")
        }
        let all = try await store.addDomains(domains, to: app)
        await lifecycle.domainsChanged(app, all.map(\.name))
        return Response.json(AppDomains(defaultHost: "\(app).\(appsDomain)", domains: all), status: .created)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
