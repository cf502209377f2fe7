import Foundation

// The team's routes:
//
// | method | path | body | answer | who |
// |---|---|---|---|---|
// | GET | /api/v1/whoami | | `WhoAmI` | anyone |
// | GET | /api/v1/users | | `[User]` | admin |
// | POST | /api/v1/users | `CreateUser` | 201 `CreatedUser` (the token, shown once) | admin |
// | DELETE | /api/v1/users/NAME | | 204 | admin |
// | GET | /api/v1/apps/NAME/access | | `[AppAccess]` | read |
// | PUT | /api/v1/apps/NAME/access/USER | `GrantAccess` | `AppAccess` | owner |
// | DELETE | /api/v1/apps/NAME/access/USER | | 204 | owner, or USER themself |
// | GET | /api/v1/tokens[?all=1] | | `[APIToken]` (yours; every user's for an admin with all=1) | anyone |
// | POST | /api/v1/tokens | `CreateToken` | 201 `CreatedToken` (shown once) | anyone, never wider than their token |
// | DELETE | /api/v1/tokens/ID | | `APIToken` (revoked) | its user, or an admin |
// | GET | /api/v1/audit?app=&user=&limit=N&before=ID | | `[AuditEvent]`, newest first | admin; others: an app they may read, or themselves |

/// `GET /api/v1/whoami`: the caller and the token they called with.
public struct WhoAmI: Codable, Sendable, Equatable {
    public var user: User
    public var token: APIToken?

    public init(user: User, token: APIToken?) {
        self.user = user
        self.token = token
    }
}

/// Body of `POST /api/v1/users`.
public struct CreateUser: Codable, Sendable, Equatable {
    public var name: String
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }
}

/// Answer of `POST /api/v1/users`: the new user and their first API token, shown once.
public struct CreatedUser: Codable, Sendable, Equatable {
    public var name: UserName
    public var role: UserRole
    public var token: String

    public init(name: UserName, role: UserRole, token: String) {
        self.name = name
        self.role = role
        self.token = token
    }
}

/// Body of `PUT /api/v1/apps/NAME/access/USER`.
public struct GrantAccess: Codable, Sendable, Equatable {
    public var role: String

    public init(role: String) { self.role = role }
}

/// Body of `POST /api/v1/tokens`.
public struct CreateToken: Codable, Sendable, Equatable {
    /// A label (`laptop`, `ci`); the user's name when left out.
    public var name: String?
    /// The apps it is narrowed to; every app of the user when `nil`.
    public var apps: [String]?
    public var readOnly: Bool?
    /// Seconds from now until it stops working; never when `nil`.
    public var expiresIn: Int?

    public init(name: String? = nil, apps: [String]? = nil, readOnly: Bool? = nil, expiresIn: Int? = nil) {
        self.name = name
        self.apps = apps
        self.readOnly = readOnly
        self.expiresIn = expiresIn
    }
}

/// Answer of `POST /api/v1/tokens`: the token, shown once, and how it is listed.
public struct CreatedToken: Codable, Sendable, Equatable {
    public var token: String
    public var info: APIToken

    public init(token: String, info: APIToken) {
        self.token = token
        self.info = info
    }
}
