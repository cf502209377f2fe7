import Foundation
import GantryCore

/// How the CLI shows API tokens (never the tokens themselves, but once, when created).
public enum TokenDisplay {
    /// Whether a token still works.
    public enum Status: String, Hashable, Sendable {
        /// It works.
        case active
        /// Revoked (`gantry tokens:revoke`, or its user removed): it never works again.
        case revoked
        /// Past its expiry.
        case expired
    }

    /// `revoked` once revoked, else `expired` from its expiry on, else `active`.
    public static func status(_ token: APIToken, at now: Date = Date()) -> Status {
        if token.revokedAt != nil { return .revoked }
        if let expiry = token.expiresAt, expiry <= now { return .expired }
        return .active
    }

    /// The apps it is narrowed to (`blog, shop`), or `all` (every app its user may act on).
    public static func apps(_ token: APIToken) -> String {
        guard let apps = token.apps else { return "all" }
        return apps.isEmpty ? "none" : apps.map(\.rawValue).joined(separator: ", ")
    }

    /// `read-only`, or `full` (what its user may).
    public static func access(_ token: APIToken) -> String {
        token.readOnly ? "read-only" : "full"
    }

    /// `ID  NAME  [USER]  APPS  ACCESS  CREATED  LAST-USED  EXPIRES  STATUS`, the USER column
    /// with `showUser` (every user's tokens, for an admin).
    public static func table(_ tokens: [APIToken], showUser: Bool = false, relativeTo now: Date = Date()) -> String {
        let headers = ["ID", "NAME"] + (showUser ? ["USER"] : []) + ["APPS", "ACCESS", "CREATED", "LAST-USED", "EXPIRES", "STATUS"]
        let rows = tokens.map { token in
            [String(token.id), Display.cell(token.name)] + (showUser ? [token.user.rawValue] : []) + [
                apps(token), access(token), RelativeTime.describe(token.createdAt, relativeTo: now),
                token.lastUsedAt.map { RelativeTime.describe($0, relativeTo: now) } ?? "never",
                token.expiresAt.map { RelativeTime.describe($0, relativeTo: now) } ?? "never",
                status(token, at: now).rawValue,
            ]
        }
        return TextTable.render(headers: headers, rows: rows)
    }

    /// `laptop (#4): apps blog, read-only, expires in 3 months (2025-04-02T03:04:05Z)`.
    public static func summary(_ token: APIToken, relativeTo now: Date = Date()) -> String {
        let expiry = token.expiresAt.map { "expires \(RelativeTime.describe($0, relativeTo: now)) (\($0.formatted(.iso8601)))" } ?? "never expires"
        let scope = token.apps == nil ? "all apps" : "apps \(apps(token))"
        return "\(Display.printable(token.name)) (#\(token.id)): \(scope), \(access(token)), \(expiry)"
    }

    /// What `tokens:create` prints: the token, once, and how to use it.
    public static func created(_ created: CreatedToken, relativeTo now: Date = Date()) -> String {
        [
            "Created token \(summary(created.info, relativeTo: now)). It is shown only this once:",
            "",
            "    \(created.token)",
            "",
            "Use it with `gantry login --token TOKEN`, or as GANTRY_TOKEN in scripts and CI.",
        ].joined(separator: "\n")
    }
}
