import Foundation
import SwiftASN1
import X509

/// A certificate the CA issued, with its private key.
public struct IssuedCertificate: Sendable, Hashable {
    /// The chain as PEM: leaf first, then intermediates, as the CA sent it.
    public var chainPEM: String
    /// The certificate's own new private key (P-256, PKCS#8 PEM), never the account key.
    public var keyPEM: String
    /// The leaf's start of validity.
    public var notBefore: Date
    /// The leaf's end of validity.
    public var notAfter: Date

    /// Creates a value from its parts.
    public init(chainPEM: String, keyPEM: String, notBefore: Date, notAfter: Date) {
        self.chainPEM = chainPEM
        self.keyPEM = keyPEM
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Reads the leaf's validity from a downloaded chain.
    /// - Throws: `ACMEError.malformedResponse` when `chainPEM` holds no certificate.
    init(chainPEM: String, keyPEM: String, url: String) throws(ACMEError) {
        let leaf: Certificate
        do {
            let documents = try PEMDocument.parseMultiple(pemString: chainPEM)
            guard let first = documents.first(where: { $0.discriminator == "CERTIFICATE" }) else {
                throw ACMEError.malformedResponse(url: url, detail: "the certificate chain holds no CERTIFICATE block")
            }
            leaf = try Certificate(pemDocument: first)
        } catch let error as ACMEError {
            throw error
        } catch {
            throw .malformedResponse(url: url, detail: "the certificate chain is not PEM certificates (\(error))")
        }
        self.init(chainPEM: chainPEM, keyPEM: keyPEM, notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter)
    }
}
