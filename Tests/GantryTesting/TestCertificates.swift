import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates made for a test: a CA and the leaves it signs, as PEM.
public struct TestCertificates {
    public let caPEM: String
    private let caKey: P256.Signing.PrivateKey
    private let caName: DistinguishedName

    /// A new CA, "Gantry Test CA".
    public init() throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Gantry Test CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey), notValidBefore: now - 3600,
            notValidAfter: now + 86_400 * 30, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            },
            issuerPrivateKey: .init(key))
        caPEM = try ca.serializeAsPEM().pemString
        caKey = key
        caName = name
    }

    /// A DNS name, or an IP address SAN for a dotted IPv4 literal (`127.0.0.1`).
    static func subjectAlternativeName(_ name: String) -> GeneralName {
        let octets = name.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4, name.split(separator: ".", omittingEmptySubsequences: false).count == 4 else { return .dnsName(name) }
        return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets)))
    }

    /// A leaf for `names` (DNS names or IPv4 literals) signed by this CA, valid from `notBefore` to `notAfter`.
    /// - Returns: the chain (leaf, CA) and the leaf's key, as PEM.
    public func leaf(_ names: [String], notBefore: Date = Date() - 60, notAfter: Date = Date() + 86_400) throws -> (chain: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey), notValidBefore: notBefore,
            notValidAfter: notAfter, issuer: caName, subject: try DistinguishedName { CommonName(names.first ?? "leaf") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames(names.map(Self.subjectAlternativeName))
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: .init(caKey))
        return (try leaf.serializeAsPEM().pemString + "\n" + caPEM, try Certificate.PrivateKey(key).serializeAsPEM().pemString)
    }
}
