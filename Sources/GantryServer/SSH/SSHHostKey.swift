import Crypto
import Foundation
import NIOSSH

/// The SSH server's Ed25519 host key, made on first start and kept in one file so that the
/// clients' `known_hosts` entries stay valid across restarts.
///
/// The file is one line, `ed25519 BASE64`, the base64 of the key's 32-byte seed, mode 0600.
public struct SSHHostKey: Sendable {
    /// The key as swift-nio-ssh uses it.
    let sshKey: NIOSSHPrivateKey

    private init(_ key: Curve25519.Signing.PrivateKey) {
        sshKey = NIOSSHPrivateKey(ed25519Key: key)
    }

    /// The public key's fingerprint, `SHA256:…` as `ssh-keygen -l` prints it.
    public var fingerprint: String { AuthorizedKey(sshKey.publicKey).fingerprint }

    /// The public key as a `known_hosts` entry would hold it: `ssh-ed25519 BASE64`.
    public var openSSHPublicKey: String { String(openSSHPublicKey: sshKey.publicKey) }

    /// Reads the key at `path`, or makes one there when there is no file.
    /// - Returns: the key, and whether it was made now.
    /// - Throws: `SSHServerError.hostKey` when the file cannot be read, written, is not such
    ///   a key, or is readable by other users.
    public static func loadOrCreate(at path: String) throws(SSHServerError) -> (SSHHostKey, created: Bool) {
        let files = FileManager.default
        guard files.fileExists(atPath: path) else {
            let key = Curve25519.Signing.PrivateKey()
            let text = "ed25519 " + key.rawRepresentation.base64EncodedString() + "\n"
            guard SecretFile.replace(at: path, contents: text) else {
                throw .hostKey("cannot write the SSH host key to \(path); check that gantryd may write to the data directory")
            }
            return (SSHHostKey(key), true)
        }
        if let mode = SecretFile.widerMode(at: path) {
            throw .hostKey("the SSH host key \(path) is readable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .hostKey("cannot read the SSH host key \(path); check its owner and permissions")
        }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, fields[0] == "ed25519", let seed = Data(base64Encoded: String(fields[1])),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw .hostKey("\(path) is not a gantry SSH host key; move it away and gantryd makes a new one (clients then see a new host key)")
        }
        return (SSHHostKey(key), false)
    }
}

/// The SSH server cannot start.
public enum SSHServerError: Error, Sendable, CustomStringConvertible {
    /// The host key file is unusable; the message says what to do.
    case hostKey(String)

    public var description: String {
        switch self {
        case .hostKey(let message): message
        }
    }
}
