import Crypto
import Foundation
import Testing
@testable import GantryACME

@Suite("JWS and JWK")
struct JWSTests {
    /// A key made with `openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt`.
    static let fixedKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgP2aZHrgNRQsBd2l8
        rI1a85cuDHcZsu2WswYnqRRxJt+hRANCAAQF0Lkrdgq/DNX6ScEq+jXMPOWohX+r
        m24tmYz2BCZ2rDWgv17/He3Jk+D9/fS9gqaaBiEo9xA1uz4aLn61RzbC
        -----END PRIVATE KEY-----
        """

    @Test func thumbprintIsRFC7638OfTheCanonicalJWKAsOpenSSLComputesIt() throws {
        let key = try ACMEAccountKey(pemRepresentation: Self.fixedKeyPEM)
        // x and y: the last 64 bytes of `openssl pkey -pubout -outform DER`, base64url;
        // thumbprint: printf '{"crv":"P-256","kty":"EC","x":"…","y":"…"}' | openssl dgst -sha256 -binary | base64url.
        #expect(key.jwk.x == "BdC5K3YKvwzV-knBKvo1zDzlqIV_q5tuLZmM9gQmdqw")
        #expect(key.jwk.y == "NaC_Xv8d7cmT4P399L2CppoGISj3EDW7PhoufrVHNsI")
        #expect(key.thumbprint == "X0yOQvagKCQ27h5AADl2kfeYtAn3Hz1s2huKt6PCFSw")
        #expect(key.keyAuthorization(for: "tok-EN_1") == "tok-EN_1.X0yOQvagKCQ27h5AADl2kfeYtAn3Hz1s2huKt6PCFSw")
    }

    @Test func accountKeyRoundTripsThroughPEM() throws {
        let key = ACMEAccountKey.generate()
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try ACMEAccountKey(pemRepresentation: key.pemRepresentation).thumbprint == key.thumbprint)
    }

    @Test func garbageIsNoAccountKey() {
        #expect {
            _ = try ACMEAccountKey(pemRepresentation: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
        } throws: { error in
            guard case .invalidKey(let detail) = error as? ACMEError else { return false }
            return !detail.contains("AAAA")
        }
    }

    @Test func newAccountIsSignedWithTheJWKAndTheSignatureIsRawES256() throws {
        let key = try ACMEAccountKey(pemRepresentation: Self.fixedKeyPEM)
        let jws = try JWS.sign(payload: Array(#"{"a":1}"#.utf8), url: "https://ca/new-acct", nonce: "n0", signer: .jwk, key: key)
        let header = try Self.header(jws)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["nonce"] as? String == "n0")
        #expect(header["url"] as? String == "https://ca/new-acct")
        #expect(header["kid"] == nil)
        let jwk = try #require(header["jwk"] as? [String: String])
        #expect(jwk == ["crv": "P-256", "kty": "EC", "x": key.jwk.x, "y": key.jwk.y])
        #expect(Base64URL.decode(jws.payload) == Array(#"{"a":1}"#.utf8))

        let signature = try #require(Base64URL.decode(jws.signature))
        #expect(signature.count == 64)
        #expect(!jws.signature.contains("=") && !jws.signature.contains("+") && !jws.signature.contains("/"))
        let verified = key.privateKey.publicKey.isValidSignature(
            try P256.Signing.ECDSASignature(rawRepresentation: signature), for: Array("\(jws.protected).\(jws.payload)".utf8))
        #expect(verified)
    }

    @Test func laterRequestsCarryTheKidAndPostAsGetHasAnEmptyPayload() throws {
        let jws = try JWS.sign(payload: nil, url: "https://ca/authz/1", nonce: "n1", signer: .kid("https://ca/acct/7"), key: .generate())
        let header = try Self.header(jws)
        #expect(header["kid"] as? String == "https://ca/acct/7")
        #expect(header["jwk"] == nil)
        #expect(jws.payload == "")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(jws.body)) as? [String: String])
        #expect(Set(body.keys) == ["protected", "payload", "signature"])
    }

    static func header(_ jws: JWS) throws -> [String: Any] {
        let bytes = try #require(Base64URL.decode(jws.protected))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}
