import Foundation
import GantryCore

/// How the CLI shows who is on the server (`gantry whoami`, `gantry users`) and who may do
/// what on an app (`gantry access`).
public enum TeamDisplay {
    /// `alice (member)`, followed by what narrows the token when something does:
    ///
    /// ```
    /// alice (member)
    /// Token:   ci (#7)
    /// Apps:    blog, shop
    /// Access:  read-only
    /// Expires: 2025-04-02T03:04:05Z (in 3 months)
    /// ```
    public static func whoami(_ whoami: WhoAmI, relativeTo now: Date = Date()) -> String {
        let line = "\(whoami.user.name) (\(whoami.user.role.rawValue))"
        guard let token = whoami.token, token.apps != nil || token.readOnly || token.expiresAt != nil else { return line }
        return line + "\n" + TextTable.fields([
            ("Token", "\(Display.printable(token.name)) (#\(token.id))"),
            ("Apps", TokenDisplay.apps(token)),
            ("Access", TokenDisplay.access(token)),
            ("Expires", token.expiresAt.map { Display.timestamp($0, relativeTo: now) } ?? "never"),
        ])
    }

    /// `NAME  ROLE  CREATED`.
    public static func users(_ users: [User], relativeTo now: Date = Date()) -> String {
        TextTable.render(
            headers: ["NAME", "ROLE", "CREATED"],
            rows: users.map { [$0.name.rawValue, $0.role.rawValue, RelativeTime.describe($0.createdAt, relativeTo: now)] })
    }

    /// What `users:add` prints: the token, once, and how the new user starts.
    public static func created(_ created: CreatedUser, server: String) -> String {
        var lines = [
            "Created \(created.name) (\(created.role.rawValue)). Their API token, shown only this once:",
            "",
            "    \(created.token)",
            "",
            "Hand it to \(created.name) privately; they log in with `gantry login --server \(server) --token TOKEN`.",
        ]
        if created.role == .member {
            lines.append("Give them an app with `gantry access:add APP \(created.name)`, and an SSH key with `gantry keys:add NAME FILE.pub --user \(created.name)`.")
        }
        return lines.joined(separator: "\n")
    }

    /// `USER  ROLE  SINCE`, owners first, then by name.
    public static func access(_ access: [AppAccess], relativeTo now: Date = Date()) -> String {
        let sorted = access.sorted { ($1.role, $0.user) < ($0.role, $1.user) }
        return TextTable.render(
            headers: ["USER", "ROLE", "SINCE"],
            rows: sorted.map { [$0.user.rawValue, $0.role.rawValue, RelativeTime.describe($0.createdAt, relativeTo: now)] })
    }
}
