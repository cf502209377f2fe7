import Crypto
import Foundation
import GantryTesting
import X509

/// A tiny token service for `docker-registry`'s `auth: token` mode: it checks HTTP basic
/// credentials and answers `{"token": JWT}`, an ES256 JWT granting the scopes asked for,
/// signed by a key whose self-signed certificate the registry trusts (found by its `kid`,
/// libtrust's key ID).
final class TokenService: Sendable {
    static let service = "gantry-test-registry"
    static let issuer = "gantry-test-tokens"
    let server: TestHTTPServer
    let rootPEM: String

    /// Serves tokens to `username` with `password`; anything else gets 401.
    init(username: String, password: String) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Gantry Test Tokens") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey), notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86_400, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {}, issuerPrivateKey: .init(key))
        rootPEM = try certificate.serializeAsPEM().pemString
        let keyID = Self.libtrustKeyID(key.publicKey.derRepresentation)
        let keyBytes = key.rawRepresentation  // Data is Sendable, the key is not
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        server = try TestHTTPServer { request, _ in
            guard request.headers.first(where: { $0.key.lowercased() == "authorization" })?.value == expected else {
                return .answer(.init(status: 401, headers: ["Content-Type": "application/json"], body: #"{"details":"bad credentials"}"#))
            }
            let query = request.target.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
            var scopes: [String] = []
            for pair in query.split(separator: "&") where pair.hasPrefix("scope=") {
                scopes.append(String(pair.dropFirst(6)).removingPercentEncoding ?? "")
            }
            let token = Self.token(key: try! P256.Signing.PrivateKey(rawRepresentation: keyBytes), keyID: keyID, subject: username, scopes: scopes)
            return .answer(.init(status: 200, headers: ["Content-Type": "application/json"], body: #"{"token": "\#(token)"}"#))
        }
    }

    /// The registry's side: realm, service, issuer and the trusted certificate.
    var auth: DockerRegistry.TokenAuth {
        .init(realm: server.url + "/token", service: Self.service, issuer: Self.issuer, rootCertificatesPEM: rootPEM)
    }

    /// `repository:NAME:pull,push` scopes as the JWT's `access` claim.
    static func token(key: P256.Signing.PrivateKey, keyID: String, subject: String, scopes: [String]) -> String {
        let access: [[String: Any]] = scopes.compactMap { scope in
            let parts = scope.split(separator: ":")
            guard parts.count == 3 else { return nil }
            return ["type": String(parts[0]), "name": String(parts[1]), "actions": parts[2].split(separator: ",").map(String.init)]
        }
        let now = Int(Date().timeIntervalSince1970)
        let header: [String: Any] = ["typ": "JWT", "alg": "ES256", "kid": keyID]
        let claims: [String: Any] = [
            "iss": issuer, "sub": subject, "aud": service, "exp": now + 300, "nbf": now - 30, "iat": now, "jti": UUID().uuidString,
            "access": access,
        ]
        let input = [header, claims].map { base64URL(try! JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) }.joined(separator: ".")
        let signature = try! key.signature(for: Data(input.utf8)).rawRepresentation
        return input + "." + base64URL(signature)
    }

    /// libtrust's key ID: the SHA-256 of the key's DER SubjectPublicKeyInfo, its first 240
    /// bits in base32, in 12 groups of 4 joined by `:`.
    static func libtrustKeyID(_ der: Data) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let bytes = Array(SHA256.hash(data: der)).prefix(30)
        var bits = 0
        var buffer = 0
        var encoded = ""
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                encoded.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        return stride(from: 0, to: encoded.count, by: 4).map { start in
            String(encoded.dropFirst(start).prefix(4))
        }.joined(separator: ":")
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
