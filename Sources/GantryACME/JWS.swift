import Crypto
import Foundation

/// A request body signed as RFC 8555 §6.2 demands: JWS in flattened JSON serialization,
/// `alg` ES256, the signature raw `r || s`.
struct JWS: Encodable, Sendable {
    /// base64url of the protected header's JSON.
    var protected: String
    /// base64url of the payload's JSON; empty for POST-as-GET.
    var payload: String
    /// base64url of the 64-byte ES256 signature over `protected.payload`.
    var signature: String

    /// Who signs: the key itself (newAccount only) or the account URL.
    enum Signer: Sendable {
        case jwk
        case kid(String)
    }

    /// The protected header (§6.2): exactly one of `jwk` and `kid`.
    struct Header: Encodable {
        var alg = "ES256"
        var jwk: JWK?
        var kid: String?
        var nonce: String
        var url: String
    }

    /// Signs `payload` (nil: POST-as-GET, an empty payload) for `url` with `key`.
    static func sign(
        payload: [UInt8]?, url: String, nonce: String, signer: Signer, key: ACMEAccountKey
    ) throws(ACMEError) -> JWS {
        var header = Header(nonce: nonce, url: url)
        switch signer {
        case .jwk: header.jwk = key.jwk
        case .kid(let kid): header.kid = kid
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headerJSON: Data
        do { headerJSON = try encoder.encode(header) } catch { throw .invalidKey(detail: "cannot encode the JWS header") }
        let protected = Base64URL.encode(headerJSON)
        let encodedPayload = payload.map { Base64URL.encode($0) } ?? ""
        let signingInput = Array("\(protected).\(encodedPayload)".utf8)
        let signature: P256.Signing.ECDSASignature
        do { signature = try key.privateKey.signature(for: signingInput) } catch {
            throw .invalidKey(detail: "cannot sign with the account key")
        }
        return JWS(protected: protected, payload: encodedPayload, signature: Base64URL.encode(signature.rawRepresentation))
    }

    /// The JSON body to POST with `Content-Type: application/jose+json`.
    var body: [UInt8] {
        // Three ASCII strings: encoding cannot fail.
        Array((try? JSONEncoder().encode(self)) ?? Data())
    }
}
