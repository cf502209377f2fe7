import Crypto
import Foundation

/// The account's key (ES256, P-256). It signs every request to the CA and identifies the
/// account there; keep its PEM as secret as a password.
public struct ACMEAccountKey: Sendable {
    /// The private scalar: swift-crypto's key type is not `Sendable` on Linux.
    private let rawKey: Data

    init(privateKey: P256.Signing.PrivateKey) {
        rawKey = privateKey.rawRepresentation
    }

    /// The key, rebuilt from its scalar (which was valid when it was stored).
    var privateKey: P256.Signing.PrivateKey {
        try! P256.Signing.PrivateKey(rawRepresentation: rawKey)
    }

    /// A new random key.
    public static func generate() -> ACMEAccountKey {
        ACMEAccountKey(privateKey: P256.Signing.PrivateKey())
    }

    /// Reads a key saved from `pemRepresentation` (PKCS#8 or SEC 1 `EC PRIVATE KEY` PEM).
    /// - Throws: `ACMEError.invalidKey` when the text is no P-256 private key.
    public init(pemRepresentation: String) throws(ACMEError) {
        do {
            rawKey = try P256.Signing.PrivateKey(pemRepresentation: pemRepresentation).rawRepresentation
        } catch {
            throw .invalidKey(detail: "the account key is not a P-256 private key in PEM form")
        }
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public var pemRepresentation: String { privateKey.pemRepresentation }

    /// The public key as a JWK (RFC 7517/7518 §6.2): `crv`, `kty`, `x`, `y`.
    var jwk: JWK {
        let raw = privateKey.publicKey.rawRepresentation  // x || y, 32 bytes each
        return JWK(x: Base64URL.encode(raw.prefix(32)), y: Base64URL.encode(raw.suffix(32)))
    }

    /// The RFC 7638 thumbprint of the public key, base64url: what key authorizations end in.
    public var thumbprint: String {
        Base64URL.encode(SHA256.hash(data: Array(jwk.canonicalJSON.utf8)))
    }

    /// `token.thumbprint`, what an HTTP-01 challenge's file must contain (RFC 8555 §8.1).
    public func keyAuthorization(for token: String) -> String { token + "." + thumbprint }
}

/// A P-256 public key as a JSON Web Key.
struct JWK: Encodable, Sendable {
    var crv = "P-256"
    var kty = "EC"
    var x: String
    var y: String

    /// The members RFC 7638 §3.2 requires, in lexicographic order, without whitespace.
    var canonicalJSON: String { #"{"crv":"\#(crv)","kty":"\#(kty)","x":"\#(x)","y":"\#(y)"}"# }
}
