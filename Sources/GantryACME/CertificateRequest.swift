import Crypto
import SwiftASN1
import X509

/// The CSR of an order (RFC 8555 §7.4): every domain a SAN, the first also the subject's CN,
/// signed with the certificate's own new key.
enum CertificateRequest {
    /// The CSR's DER bytes.
    /// - Throws: `ACMEError.invalidKey` when swift-certificates cannot build it.
    static func der(domains: [String], key: P256.Signing.PrivateKey) throws(ACMEError) -> [UInt8] {
        do {
            let extensions = try Certificate.Extensions { SubjectAlternativeNames(domains.map { .dnsName($0) }) }
            // A CN holds at most 64 characters (RFC 5280); longer names are SANs only.
            let subject = domains[0].count <= 64 ? try DistinguishedName { CommonName(domains[0]) } : DistinguishedName()
            let request = try CertificateSigningRequest(
                version: .v1, subject: subject, privateKey: .init(key),
                attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
                signatureAlgorithm: .ecdsaWithSHA256)
            var serializer = DER.Serializer()
            try serializer.serialize(request)
            return serializer.serializedBytes
        } catch {
            throw .invalidKey(detail: "cannot build the certificate signing request: \(error)")
        }
    }
}
