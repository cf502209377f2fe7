import struct Foundation.Date

/// An SSH public key allowed to push over gantryd's SSH server. Its name says who pushed.
public struct SSHKey: Hashable, Sendable, Codable {
    public var name: KeyName
    /// The OpenSSH key type: `ssh-ed25519`, `ecdsa-sha2-nistp256`, …
    public var type: String
    /// `SHA256:` and the unpadded base64 SHA-256 of the key blob, as `ssh-keygen -l` shows it.
    public var fingerprint: String
    public var createdAt: Date
    /// Whose key it is: pushes and clones with it may do what this user may.
    public var user: UserName?

    public init(name: KeyName, type: String, fingerprint: String, createdAt: Date, user: UserName? = nil) {
        self.name = name
        self.type = type
        self.fingerprint = fingerprint
        self.createdAt = createdAt
        self.user = user
    }
}

/// Body of `POST /api/v1/keys`: a name and one line of an OpenSSH `.pub` file.
public struct AddSSHKey: Codable, Sendable, Equatable {
    public var name: String
    /// `TYPE BASE64 [COMMENT]`, as in `~/.ssh/id_ed25519.pub`.
    public var publicKey: String
    /// Whose key it is: the caller's own when `nil`; an admin may name another user.
    public var user: String?

    public init(name: String, publicKey: String, user: String? = nil) {
        self.name = name
        self.publicKey = publicKey
        self.user = user
    }
}
