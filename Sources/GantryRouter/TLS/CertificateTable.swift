import GantryCore
import NIOCore
import NIOSSL
import Synchronization

/// The certificates the router's HTTPS port presents, picked per connection by the name the
/// client asks for (SNI): an exact name first, then a wildcard one label up. A name no
/// certificate covers gets no certificate at all — the handshake fails with an alert — never
/// another app's.
public final class CertificateTable: Sendable {
    private struct Entry: Sendable {
        let app: AppName
        let override: NIOSSLContextConfigurationOverride
    }

    /// Name (lower-cased, `*.` for wildcards) → the certificate that covers it.
    private let names = Mutex<[String: Entry]>([:])

    public init() {}

    /// Sets the certificate of `app`: `chainPEM` (leaf first) and `keyPEM`, presented for each
    /// of `names` (the names it covers). Replaces the app's previous certificate.
    /// - Throws: NIOSSL's error when the PEM cannot be read.
    public func set(app: AppName, names covered: [String], chainPEM: String, keyPEM: String) throws {
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8)).map { .certificate($0) }
        override.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
        let entry = Entry(app: app, override: override)
        names.withLock { table in
            table = table.filter { $0.value.app != app }
            for name in covered { table[name.lowercased()] = entry }
        }
    }

    /// Forgets the certificate of `app`.
    public func remove(app: AppName) {
        names.withLock { table in table = table.filter { $0.value.app != app } }
    }

    /// The names a certificate is presented for now, sorted.
    public var servedNames: [String] { names.withLock { Array($0.keys) }.sorted() }

    /// The certificate and key for a client hello naming `serverName`.
    func override(for serverName: String?) -> NIOSSLContextConfigurationOverride? {
        guard let serverName else { return nil }
        let name = serverName.lowercased()
        return names.withLock { table in
            if let entry = table[name] { return entry.override }
            guard let dot = name.firstIndex(of: ".") else { return nil }
            return table["*" + name[dot...]]?.override
        }
    }

    /// The TLS 1.2 cipher suites offered: Mozilla's "intermediate" list, ECDHE with AES-GCM or
    /// ChaCha20-Poly1305 only (forward-secret AEAD; NIOSSL's default also allows CBC and RSA key
    /// exchange). TLS 1.3 has its own three AEAD suites. bench/tls gives nginx the same list.
    public static let cipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// The server TLS context: TLS 1.2 (``cipherSuites``) and 1.3, `h2` and `http/1.1` by ALPN,
    /// the certificate chosen per hello by this table.
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none  // no client certificates
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = Self.cipherSuites
        configuration.applicationProtocols = ["h2", "http/1.1"]
        configuration.sslContextCallback = { [self] values, promise in
            if let override = override(for: values.serverHostname) {
                promise.succeed(override)
            } else {
                promise.fail(RouterError.noCertificate(values.serverHostname ?? "(no name)"))
            }
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
