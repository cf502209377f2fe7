import Foundation
import GantryCore
import SwiftASN1
import X509

/// A certificate chain and its key as given to `certs:add`, checked before anything is kept:
/// the PEM parses, the key is the leaf's, the leaf is valid now, and it covers at least one of
/// the app's domains.
struct CertificateCheck {
    let chainPEM: String
    let keyPEM: String
    /// The names the leaf is for (its subject alternative DNS names).
    let names: [String]
    let issuer: String
    let notBefore: Date
    let notAfter: Date

    /// The most certificates a chain may hold.
    static let maximumChain = 10

    /// - Throws: `HTTPProblem` (400) naming what is wrong.
    init(chainPEM: String, keyPEM: String, domains: [DomainName], now: Date = Date()) throws {
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: chainPEM) } catch {
            throw HTTPProblem(.badRequest, "the certificate file is not PEM (-----BEGIN CERTIFICATE-----)")
        }
        guard !documents.isEmpty, documents.count <= Self.maximumChain, documents.allSatisfy({ $0.discriminator == "CERTIFICATE" }) else {
            throw HTTPProblem(.badRequest, "the certificate file must hold 1 to \(Self.maximumChain) certificates (the site's first, then its issuers), nothing else")
        }
        let chain: [Certificate]
        do { chain = try documents.map { try Certificate(derEncoded: $0.derBytes) } } catch {
            throw HTTPProblem(.badRequest, "a certificate in the file cannot be read: \(error)")
        }
        let key: Certificate.PrivateKey
        do { key = try Certificate.PrivateKey(pemEncoded: keyPEM) } catch {
            throw HTTPProblem(.badRequest, "the key file is not a PEM private key (RSA, ECDSA P-256/P-384 or Ed25519, unencrypted)")
        }
        let leaf = chain[0]
        guard key.publicKey == leaf.publicKey else {
            throw HTTPProblem(.badRequest, "the key does not match the certificate (the first one in the file must be the site's)")
        }
        guard leaf.notValidAfter > now else {
            throw HTTPProblem(.badRequest, "the certificate expired at \(ISO8601DateFormatter().string(from: leaf.notValidAfter))")
        }
        guard leaf.notValidBefore <= now else {
            throw HTTPProblem(.badRequest, "the certificate is not valid before \(ISO8601DateFormatter().string(from: leaf.notValidBefore))")
        }
        let names = ((try? leaf.extensions.subjectAlternativeNames) ?? nil).map { names in
            names.compactMap { name -> String? in
                if case .dnsName(let dns) = name { return dns.lowercased() }
                return nil
            }
        } ?? []
        guard domains.contains(where: { $0.isCovered(byCertificateNames: names) }) else {
            let listed = names.isEmpty ? "no DNS name" : names.prefix(10).joined(separator: ", ")
            let wanted = domains.isEmpty ? "the app has no domain yet (`gantry domains:add`)" : "the app's domains are \(domains.map(\.rawValue).joined(separator: ", "))"
            throw HTTPProblem(.badRequest, "the certificate is for \(listed); \(wanted)")
        }
        self.chainPEM = chainPEM
        self.keyPEM = keyPEM
        self.names = names
        self.issuer = leaf.issuer.description
        self.notBefore = leaf.notValidBefore
        self.notAfter = leaf.notValidAfter
    }
}
