import Crypto
import Foundation
import NIOSSH

/// An SSH public key as a `.pub` file holds it (`TYPE BASE64 [COMMENT]`), checked to be one
/// gantryd's SSH server can verify.
public struct AuthorizedKey: Sendable, Hashable {
    /// The key types swift-nio-ssh verifies signatures of.
    public static let supportedTypes = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]

    /// The OpenSSH key type, such as `ssh-ed25519`.
    public let type: String
    /// The key blob (SSH wire format), base64 with padding.
    public let base64: String
    /// `SHA256:` and the unpadded base64 SHA-256 of the blob, as `ssh-keygen -l` shows it.
    public let fingerprint: String

    /// Parses the one key of a `.pub` file (blank lines and `#` comments are skipped).
    /// - Throws: `SSHKeyError` saying what is wrong and what to do.
    public init(publicKeyFile text: String) throws(SSHKeyError) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let line = lines.first else { throw .malformed("the file holds no key") }
        if line.hasPrefix("-----BEGIN") || line.hasPrefix("PuTTY-User-Key-File") {
            throw .privateKey
        }
        guard lines.count == 1 else { throw .malformed("it holds \(lines.count) lines; add one key (one .pub file) per name") }
        let fields = line.split(maxSplits: 2, whereSeparator: { $0 == " " || $0 == "\t" })
        let type = String(fields[0])
        guard Self.supportedTypes.contains(type) else {
            if type.hasPrefix("ssh-") || type.hasPrefix("sk-") || type.hasPrefix("ecdsa-") || type.contains("-cert-v01@") {
                throw .unsupportedType(type)
            }
            throw .malformed("it does not start with a key type such as ssh-ed25519 (an authorized_keys line with options is not accepted)")
        }
        guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])), !blob.isEmpty else {
            throw .malformed("the key after '\(type)' is not base64")
        }
        let canonical = blob.base64EncodedString()
        do {
            _ = try NIOSSHPublicKey(openSSHPublicKey: "\(type) \(canonical)")
        } catch {
            throw .malformed("the \(type) key does not decode (\(error))")
        }
        self.type = type
        self.base64 = canonical
        self.fingerprint = Self.fingerprint(ofBlob: blob)
    }

    /// The key a client authenticated with.
    init(_ key: NIOSSHPublicKey) {
        let fields = String(openSSHPublicKey: key).split(separator: " ")
        type = String(fields[0])
        base64 = String(fields[1])
        fingerprint = Self.fingerprint(ofBlob: Data(base64Encoded: base64) ?? Data())
    }

    /// `SHA256:` and the unpadded base64 SHA-256 of `blob`.
    static func fingerprint(ofBlob blob: Data) -> String {
        var digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        while digest.hasSuffix("=") { digest.removeLast() }
        return "SHA256:" + digest
    }
}

/// A public key gantry cannot register.
public enum SSHKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A type swift-nio-ssh cannot verify (ssh-rsa, ssh-dss, sk-*, certificates).
    case unsupportedType(String)
    /// A private key file was given instead of the `.pub` file.
    case privateKey
    /// Not an OpenSSH public key line.
    case malformed(String)

    public var description: String {
        let make = "make one with `ssh-keygen -t ed25519` and add its .pub file"
        switch self {
        case .unsupportedType(let type):
            return "\(type) keys are not supported: gantry's SSH server verifies \(AuthorizedKey.supportedTypes.joined(separator: ", ")) keys; \(make)"
        case .privateKey:
            return "this is a private key; add the public key instead (the .pub file beside it), or \(make)"
        case .malformed(let reason):
            return "not an OpenSSH public key: \(reason); expected one line 'TYPE BASE64 [COMMENT]' as in ~/.ssh/id_ed25519.pub, or \(make)"
        }
    }
}
