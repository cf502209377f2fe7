import Foundation
import GantryACME
import GantryCore
import GantryRouter
import GantryServer
import Logging

/// The ACME CA of `--acme-directory` as the `CertificateAuthority` of automatic certificates:
/// the account (its key in the data directory, mode 0600) is registered at the first order, and
/// the router answers the CA's HTTP-01 requests on its HTTP port.
actor ACMEAuthority: CertificateAuthority {
    private let client: ACMEClient
    private let responder: RouterChallenges
    private var registered = false

    init(directoryURL: String, email: String?, caBundlePath: String?, accountKeyPath: String, router: Router, logger: Logger) throws {
        client = ACMEClient(
            directoryURL: directoryURL, accountKey: try Self.loadOrCreateKey(at: accountKeyPath, logger: logger),
            contact: email.map { ["mailto:" + $0] } ?? [], caBundlePath: caBundlePath, logger: logger)
        responder = RouterChallenges(router: router, logger: logger)
    }

    func issue(names: [String]) async throws(CertificateAuthorityError) -> IssuedChain {
        do {
            if !registered {
                _ = try await client.registerAccount()
                registered = true
            }
            let issued = try await client.issue(domains: names, responder: responder)
            return IssuedChain(chainPEM: issued.chainPEM, keyPEM: issued.keyPEM)
        } catch {
            throw CertificateAuthorityError(error.description, retryAfter: error.retryAfter)
        }
    }

    /// Reads the account key, or makes one (a new account at the CA) when there is none.
    private static func loadOrCreateKey(at path: String, logger: Logger) throws -> ACMEAccountKey {
        guard FileManager.default.fileExists(atPath: path) else {
            let key = ACMEAccountKey.generate()
            guard SecretFile.replace(at: path, contents: key.pemRepresentation) else {
                throw StartupError("cannot write the ACME account key to \(path); check that gantryd may write to the data directory")
            }
            logger.notice("created the ACME account key \(path) (mode 0600)")
            return key
        }
        if let mode = SecretFile.widerMode(at: path) {
            throw StartupError("the ACME account key \(path) is readable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let key = try? ACMEAccountKey(pemRepresentation: text) else {
            throw StartupError("\(path) is not an ACME account key (PEM, P-256); move it away and gantryd makes a new account")
        }
        return key
    }
}

/// The router's HTTP-01 answers as the ACME client's responder.
struct RouterChallenges: HTTP01Responder {
    let router: Router
    let logger: Logger

    func publish(token: String, keyAuthorization: String) async {
        do { try router.challenges.publish(token: token, keyAuthorization: keyAuthorization) } catch {
            logger.warning("the router cannot answer an ACME challenge: \(error)")  // the CA's validation then fails, saying so
        }
    }

    func withdraw(token: String) async {
        router.challenges.withdraw(token: token)
    }
}
