import GantryCore
import GantryRouter
import GantryStore
import Logging

/// What the router presents over HTTPS for an app: its certificate, for those of its domains
/// the certificate covers. Told again whenever either changes, and for every app at start.
struct RouterCertificates: Sendable {
    let store: Store
    let router: Router
    let logger: Logger

    func sync(_ app: AppName) async {
        guard let stored = try? await store.certificate(app: app), let domains = try? await store.domains(app: app) else {
            router.certificates.remove(app: app)
            return
        }
        let covered = domains.map(\.name).filter { $0.isCovered(byCertificateNames: stored.names) }.map(\.rawValue)
        do {
            try router.certificates.set(app: app, names: covered, chainPEM: stored.chainPEM, keyPEM: stored.keyPEM)
        } catch {
            router.certificates.remove(app: app)
            logger.error("the certificate of \(app) cannot be loaded (\(error)); its domains get no certificate over HTTPS")
        }
    }

    func syncAll() async {
        for app in (try? await store.allCertificates().keys.sorted()) ?? [] { await sync(app) }
    }
}
