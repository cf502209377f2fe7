import Foundation
import GantryCore
import GantryRouter
import GantryTesting

/// A router with a plain and an HTTPS port, a test CA and a certificate for `names`, driven by
/// the real curl (`curl(...)` adds the CA and resolves every name to 127.0.0.1).
struct TLSRouter: Sendable {
    let router: Router
    let port: Int
    let httpsPort: Int
    let scratch: String
    /// The test CA that signed the router's certificate.
    let caPEM: String

    /// Starts a router over `table` with a certificate for `names` (owned by `app`), runs
    /// `body`, then shuts it down and removes its scratch directory.
    static func with<T: Sendable>(
        _ table: RouteTable, app: AppName, names: [String], clientIdleTimeout: Duration = .seconds(60), _ body: (TLSRouter) async throws -> T
    ) async throws -> T {
        let authority = try TestCertificates()
        let scratch = FileManager.default.currentDirectoryPath + "/.build/gantry-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try authority.caPEM.write(toFile: scratch + "/ca.pem", atomically: true, encoding: .utf8)
        let certificates = CertificateTable()
        let (chain, key) = try authority.leaf(names)
        try certificates.set(app: app, names: names, chainPEM: chain, keyPEM: key)
        let router = Router(
            table: table, configuration: RouterConfiguration(host: "127.0.0.1", port: 0, clientIdleTimeout: clientIdleTimeout, httpsPort: 0), certificates: certificates)
        let port = try await router.start()
        let fixture = TLSRouter(router: router, port: port, httpsPort: router.httpsPort!, scratch: scratch, caPEM: authority.caPEM)
        do {
            let result = try await body(fixture)
            await router.shutdown()
            return result
        } catch {
            await router.shutdown()
            throw error
        }
    }

    /// Runs curl with `arguments` (`-sS`, a 60 s limit — a loaded unit pass on 2 cores once
    /// took over 10 s to answer one request — the CA, every name of `names` resolved
    /// to 127.0.0.1 on both ports); its exit status and output.
    func curl(_ arguments: [String], names: [String]) async throws -> (status: Int32, output: String) {
        var all = ["-sS", "--max-time", "60", "--cacert", scratch + "/ca.pem"]
        for name in names {
            all += ["--resolve", "\(name):\(httpsPort):127.0.0.1", "--resolve", "\(name):\(port):127.0.0.1"]
        }
        let result = try await Shell.run("/usr/bin/curl", all + arguments)
        return (result.status, result.output)
    }
}
