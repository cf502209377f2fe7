import Foundation
import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/apps/NAME/certs`: the certificate an app's domains are served with over HTTPS.
/// A certificate is checked before it is kept (`CertificateCheck`) and reaches the router at
/// once; its key is never shown again. With `automatic` (gantryd `--acme-directory`), what
/// `AutomaticCertificates` last did for the app is shown beside it.
struct CertificatesController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let lifecycle: AppLifecycle
    let automatic: Bool

    func addRoutes(to routes: APIRoutes) {
        routes.get("apps/:name/certs", .app(.read)) { _, context in
            let app = try appName(context)
            let domains = try await store.domains(app: app).map(\.name)
            return Response.json(AppCertificates(
                certificate: try await store.certificate(app: app).map { Self.info($0, domains: domains) },
                automatic: automatic ? try await store.automaticCertificate(app: app) : nil))
        }
        routes.put("apps/:name/certs", .app(.deploy), audit: "certs:add", use: add)
        routes.delete("apps/:name/certs", .app(.deploy), audit: "certs:remove") { _, context in
            let app = try appName(context)
            try await store.removeCertificate(app: app)
            await lifecycle.certificatesChanged(app)
            return Response(status: .noContent)
        }
    }

    @Sendable func add(_ request: Request, context: Context) async throws -> Response {
        let app = try appName(context)
        guard let add = try? API.decoder().decode(AddCertificate.self, from: try await request.body.collect(upTo: 256 << 10)) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"chain": "-----BEGIN CERTIFICATE-----…", "key": "-----BEGIN PRIVATE KEY-----…"} (256 KiB at most)"#)
        }
        let domains = try await store.domains(app: app).map(\.name)
        let checked = try CertificateCheck(chainPEM: add.chain, keyPEM: add.key, domains: domains)
        context.note.detail = checked.names.prefix(10).joined(separator: " ")
        let stored = StoredCertificate(
            chainPEM: checked.chainPEM, keyPEM: checked.keyPEM, names: checked.names, issuer: checked.issuer, notBefore: checked.notBefore,
            notAfter: checked.notAfter, source: "manual", createdAt: Date())
        try await store.setCertificate(stored, app: app)
        await lifecycle.certificatesChanged(app)
        return Response.json(Self.info(stored, domains: domains))
    }

    static func info(_ stored: StoredCertificate, domains: [DomainName]) -> CertificateInfo {
        CertificateInfo(
            names: stored.names, covers: domains.filter { $0.isCovered(byCertificateNames: stored.names) }.map(\.rawValue), issuer: stored.issuer,
            notBefore: stored.notBefore, notAfter: stored.notAfter, source: stored.source, addedAt: stored.createdAt)
    }

    private func appName(_ context: Context) throws -> AppName {
        try AppName(context.parameters.get("name") ?? "")
    }
}
