import struct Foundation.Date
import GantryCore
import GantryStore

/// Who made a call, and with what: a user, proved by an API token or an SSH key.
struct Caller: Sendable {
    enum Credential: Sendable {
        case token(APIToken)
        case sshKey(SSHKey)
    }

    let user: User
    let credential: Credential

    /// The apps the credential is narrowed to; `nil` for every app the user may act on.
    var scope: [AppName]? {
        if case .token(let token) = credential { return token.apps }
        return nil
    }

    /// A read-only token: only what `read` allows.
    var readOnly: Bool {
        if case .token(let token) = credential { return token.readOnly }
        return false
    }

    var isAdmin: Bool { user.role == .admin && scope == nil }

    /// How the audit log names the credential: `token laptop (#3)`, `ssh key alice@laptop SHA256:…`.
    var credentialLabel: String {
        switch credential {
        case .token(let token): Self.label(token)
        case .sshKey(let key): "ssh key \(key.name) \(key.fingerprint)"
        }
    }

    static func label(_ token: APIToken) -> String { "token \(token.name.prefix(64)) (#\(token.id))" }

    /// Whether the credential still stands: not revoked, not expired, its user not removed.
    /// A long call (`logs --follow`) asks again as it goes.
    func isStillValid(store: Store) async -> Bool {
        switch credential {
        case .token(let token):
            guard let current = try? await store.token(id: token.id), current.revokedAt == nil else { return false }
            return current.expiresAt.map { $0 > Date() } ?? true
        case .sshKey(let key):
            return (try? await store.sshKey(fingerprint: key.fingerprint))?.user == user.name
        }
    }

    /// What this caller may do on `app`: an admin owns every app; a member has their access;
    /// the credential narrows it (to its apps, to `read` when read-only).
    /// - Throws: `StoreError.appNotFound` when there is no such app.
    func role(on app: AppName, store: Store) async throws -> AccessRole? {
        let base = try await store.role(of: user.name, on: app)
        if let scope, !scope.contains(app) { return nil }
        guard let base else { return nil }
        return readOnly ? min(base, .read) : base
    }
}
