import GantryCore
import GRDB

/// What went wrong in the store, with a message a user can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An app of that name exists already.
    case appExists(AppName)
    /// No app has that name.
    case appNotFound(AppName)
    /// The app has no build with that id.
    case buildNotFound(AppName, Int64)
    /// A config change names an invalid key or a value Gantry cannot store; nothing was changed.
    case invalidConfig(InvalidConfigVar)
    /// The app has no release with that version.
    case releaseNotFound(AppName, version: Int)
    /// A release cannot move from its status to the one asked for (only a pending release
    /// becomes live or failed); nothing was changed.
    case releaseStatusConflict(AppName, version: Int, status: ReleaseStatus, requested: ReleaseStatus)
    /// A formation names an invalid process type or count; nothing was changed.
    case invalidFormation(InvalidFormation)
    /// An SSH key of that name exists already.
    case sshKeyExists(KeyName)
    /// The same public key is registered already, under the name given.
    case sshKeyDuplicate(fingerprint: String, existing: KeyName)
    /// No SSH key has that name.
    case sshKeyNotFound(KeyName)
    /// The app has no webhook with that id.
    case webhookNotFound(AppName, String)
    /// A user of that name exists already.
    case userExists(UserName)
    /// No user has that name.
    case userNotFound(UserName)
    /// The user is the only admin: removing them would leave nobody to manage the server.
    case lastAdmin(UserName)
    /// The user is the app's only owner.
    case lastOwner(AppName, UserName)
    /// The user has no access to the app to take away.
    case accessNotFound(AppName, UserName)
    /// No API token has that id (or it is revoked already).
    case tokenNotFound(Int64)
    /// The domain belongs to another app (named).
    case domainTaken(DomainName, owner: String)
    /// The app does not have that domain.
    case domainNotFound(AppName, DomainName)
    /// The app has no certificate.
    case certificateNotFound(AppName)
    /// SQLite failed, or the database is not one this Gantry can use. The message names the
    /// operation, the database file and what to check.
    case database(String)

    /// A one-line message for the user.
    public var description: String {
        switch self {
        case .appExists(let name):
            "app '\(name)' already exists; pick another name, or `gantry apps` lists the existing ones"
        case .appNotFound(let name):
            "no app named '\(name)'; `gantry apps` lists them"
        case .buildNotFound(let name, let id):
            "app '\(name)' has no build \(id)"
        case .invalidConfig(let error):
            error.description
        case .releaseNotFound(let name, let version):
            "app '\(name)' has no release v\(version); `gantry releases \(name)` lists them"
        case .releaseStatusConflict(let name, let version, let status, let requested):
            "release v\(version) of '\(name)' is \(status.rawValue) and cannot become \(requested.rawValue); only a pending release can"
        case .invalidFormation(let error):
            error.description
        case .sshKeyExists(let name):
            "an SSH key named '\(name)' exists already; pick another name, or remove it first with `gantry keys:remove \(name)`"
        case .sshKeyDuplicate(let fingerprint, let existing):
            "this public key (\(fingerprint)) is registered already as '\(existing)'; `gantry keys` lists the keys"
        case .sshKeyNotFound(let name):
            "no SSH key named '\(name)'; `gantry keys` lists them"
        case .webhookNotFound(let name, let id):
            "app '\(name)' has no webhook \(id); `gantry webhooks \(name)` lists them"
        case .userExists(let name):
            "a user named '\(name)' exists already; `gantry users` lists them"
        case .userNotFound(let name):
            "no user named '\(name)'; `gantry users` lists them"
        case .lastAdmin(let name):
            "'\(name)' is the only admin; make another user admin first (`gantry users:add NAME --role admin`)"
        case .lastOwner(let app, let name):
            "'\(name)' is the only owner of '\(app)'; give another user owner access first (`gantry access:add \(app) USER --role owner`)"
        case .accessNotFound(let app, let name):
            "'\(name)' has no access to '\(app)'; `gantry access \(app)` lists who has"
        case .tokenNotFound(let id):
            "no live API token has id \(id); `gantry tokens` lists them"
        case .domainTaken(let domain, let owner):
            "\(domain) belongs to the app '\(owner)'; remove it there first (`gantry domains:remove \(owner) \(domain)`)"
        case .domainNotFound(let app, let domain):
            "'\(app)' has no domain \(domain); `gantry domains \(app)` lists them"
        case .certificateNotFound(let app):
            "'\(app)' has no certificate; add one with `gantry certs:add \(app) --cert chain.pem --key key.pem`"
        case .database(let message):
            message
        }
    }
}

extension StoreError {
    /// Wraps an error thrown inside a database access. A `StoreError` thrown by the access itself
    /// passes through unchanged.
    init(_ error: any Error, operation: String, path: String) {
        switch error {
        case let error as StoreError:
            self = error
        case is CancellationError:
            self = .database("cannot \(operation): cancelled before the database at \(path) answered")
        case let error as DatabaseError where error.resultCode == .SQLITE_FULL:
            // The transaction was rolled back: nothing of it is in the database.
            self = .database("cannot \(operation): \(NoSpace.message(NoSpace.dataDirectory(of: path))) (SQLite: \(error.message ?? "database or disk is full"); nothing was written)")
        case let error as DatabaseError:
            let reason = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            let hint = Self.hint(for: error.resultCode).map { "; \($0)" } ?? ""
            self = .database("cannot \(operation): \(reason) (database \(path))\(hint)")
        default:
            self = .database("cannot \(operation): \(error) (database \(path))")
        }
    }

    /// What a user can do about a primary SQLite result code, when there is something to do.
    private static func hint(for code: ResultCode) -> String? {
        switch code {
        case .SQLITE_CANTOPEN:
            "check that its directory exists and that gantryd may write there"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            "check the permissions of the file and its directory"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            "another process holds the database locked; stop it or try again"
        case .SQLITE_IOERR:
            "the disk reported an I/O error; check the disk and its free space"
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            "the file is not a healthy Gantry database; restore it from a backup"
        default:
            nil
        }
    }
}
