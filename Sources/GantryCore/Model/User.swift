import Foundation

/// A person (or a robot) with API tokens and SSH keys. `gantry users` lists them.
public struct User: Hashable, Sendable, Codable {
    public var name: UserName
    public var role: UserRole
    public var createdAt: Date

    public init(name: UserName, role: UserRole, createdAt: Date) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// What a user may do on the whole server. The raw values are stored in the database.
public enum UserRole: String, Hashable, Sendable, Codable, CaseIterable {
    /// Everything: every app, users, keys of others, garbage collection.
    case admin
    /// Creates apps (and owns them); acts only on the apps they own or were given access to.
    case member

    /// Parses a role typed by a user.
    /// - Throws: `InvalidRole` listing the roles.
    public static func parse(_ text: String) throws(InvalidRole) -> UserRole {
        guard let role = UserRole(rawValue: text) else { throw InvalidRole(text: text, allowed: allCases.map(\.rawValue)) }
        return role
    }
}

/// What a user may do on one app, weakest first. The raw values are stored in the database.
public enum AccessRole: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Lists builds, releases, processes, logs, config keys (not values) and history.
    case read
    /// What `read` may, and pushes, rolls back, sets config, scales, restarts, adds webhooks.
    case deploy
    /// What `deploy` may, and gives or takes access, and destroys the app.
    case owner

    public static func < (lhs: AccessRole, rhs: AccessRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a role typed by a user.
    /// - Throws: `InvalidRole` listing the roles.
    public static func parse(_ text: String) throws(InvalidRole) -> AccessRole {
        guard let role = AccessRole(rawValue: text) else { throw InvalidRole(text: text, allowed: allCases.map(\.rawValue)) }
        return role
    }
}

/// A role that is none of the allowed ones.
public struct InvalidRole: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let allowed: [String]

    public var description: String {
        "invalid role '\(text.prefix(40))'; use one of: \(allowed.joined(separator: ", "))"
    }
}

/// One user's access to one app: `gantry access APP` lists them.
public struct AppAccess: Hashable, Sendable, Codable {
    public var user: UserName
    public var role: AccessRole
    public var createdAt: Date

    public init(user: UserName, role: AccessRole, createdAt: Date) {
        self.user = user
        self.role = role
        self.createdAt = createdAt
    }
}

/// An API token as listed (`gantry tokens`): never the token itself, which is shown once.
public struct APIToken: Hashable, Sendable, Codable {
    public var id: Int64
    public var name: String
    public var user: UserName
    /// The apps it is narrowed to; `nil` for every app its user may act on.
    public var apps: [AppName]?
    /// Only what `read` allows, whatever its user may.
    public var readOnly: Bool
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: Int64, name: String, user: UserName, apps: [AppName]?, readOnly: Bool, createdAt: Date, expiresAt: Date?,
        lastUsedAt: Date?, revokedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.user = user
        self.apps = apps
        self.readOnly = readOnly
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// One row of the audit log: a state-changing call, or a refused one.
public struct AuditEvent: Hashable, Sendable, Codable {
    public var id: Int64
    public var at: Date
    /// The user who made the call; `nil` when the caller could not be authenticated.
    public var user: String?
    /// How the caller proved who they are: `token NAME (#ID)`, `ssh key NAME SHA256:…`,
    /// `webhook ID`, or what was presented and refused.
    public var credential: String?
    /// The caller's address.
    public var peer: String?
    /// What was asked: `apps:create`, `push`, `config:set`, `login`…
    public var action: String
    public var app: String?
    /// What it was about: config keys (never values), a process type and count, a ref…
    public var detail: String?
    /// `ok`, or why not: `denied: …`, `failed: …`, `rejected: …`.
    public var outcome: String

    public init(
        id: Int64, at: Date, user: String?, credential: String?, peer: String?, action: String, app: String?, detail: String?,
        outcome: String
    ) {
        self.id = id
        self.at = at
        self.user = user
        self.credential = credential
        self.peer = peer
        self.action = action
        self.app = app
        self.detail = detail
        self.outcome = outcome
    }
}
