import Crypto
import struct Foundation.Date
import GantryCore
import GRDB

/// What a presented API token turned out to be.
public enum TokenCheck: Sendable, Equatable {
    /// A live token, and the user it belongs to.
    case valid(APIToken, User)
    /// No token has this value.
    case unknown
    case revoked(APIToken)
    case expired(APIToken)
}

extension Store {
    /// Creates an API token of `user` called `name` (a label such as "laptop" or "ci"; not
    /// unique), narrowed to `apps` when given and to reading when `readOnly`.
    ///
    /// Only the token's SHA-256 is stored: the returned plaintext cannot be shown again.
    /// - Returns: the token as listed, and the token itself: `gantry_` followed by 40 lowercase
    ///   hex digits (160 random bits from `SystemRandomNumberGenerator`).
    /// - Throws: `.userNotFound`, `.appNotFound`; `StoreError.database` when SQLite fails.
    public func createToken(
        for user: UserName, name: String, apps: [AppName]? = nil, readOnly: Bool = false, expiresAt: Date? = nil
    ) async throws(StoreError) -> (APIToken, token: String) {
        let token = Self.generateToken()
        let digest = Self.sha256Hex(token)
        let listed = try await write("create API token '\(name)' of '\(user)'") { db in
            let userID = try Self.requireUserID(user, in: db)
            let appIDs = try (apps ?? []).map { app in try AppRecord.id(of: app, in: db) }
            let now = Date()
            try db.execute(
                sql: """
                    INSERT INTO api_tokens (name, token_sha256, created_at, user_id, app_scoped, read_only, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, digest, StoredTime.text(now), userID, apps != nil, readOnly, expiresAt.map(StoredTime.text)])
            let id = db.lastInsertedRowID
            for appID in appIDs {
                try db.execute(sql: "INSERT OR IGNORE INTO api_token_apps (token_id, app_id) VALUES (?, ?)", arguments: [id, appID])
            }
            return try Self.tokens(in: db, where: "t.id = ?", [id])[0]
        }
        return (listed, token)
    }

    /// The number of API tokens, revoked ones included.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func tokenCount() async throws(StoreError) -> Int {
        try await read("count API tokens") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM api_tokens") ?? 0 }
    }

    /// The tokens of `user` (every user's when `nil`), newest first, revoked ones included.
    public func tokens(of user: UserName?) async throws(StoreError) -> [APIToken] {
        try await read("list API tokens") { db in
            if let user { return try Self.tokens(in: db, where: "u.name = ?", [user.rawValue]) }
            return try Self.tokens(in: db, where: "1", [])
        }
    }

    /// The token with this id.
    /// - Throws: `StoreError.tokenNotFound`; `StoreError.database` when SQLite fails.
    public func token(id: Int64) async throws(StoreError) -> APIToken {
        try await read("read API token \(id)") { db in
            guard let token = try Self.tokens(in: db, where: "t.id = ?", [id]).first else { throw StoreError.tokenNotFound(id) }
            return token
        }
    }

    /// Revokes the token: it is refused from now on, on every connection. Its row stays, for
    /// `gantry tokens` and the audit log.
    /// - Throws: `StoreError.tokenNotFound` (also when revoked already); `StoreError.database`.
    public func revokeToken(id: Int64) async throws(StoreError) -> APIToken {
        try await write("revoke API token \(id)") { db in
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND user_id IS NOT NULL",
                arguments: [StoredTime.text(Date()), id])
            guard db.changesCount == 1, let token = try Self.tokens(in: db, where: "t.id = ?", [id]).first else {
                throw StoreError.tokenNotFound(id)
            }
            return token
        }
    }

    /// How stale `api_tokens.last_used_at` may get: a token's use is recorded only when its
    /// last recorded use is older than this, so that most requests only read.
    static let lastUseResolution: Double = 60

    /// Checks a token presented by a client and records that it was used. The time of use is
    /// kept to within `lastUseResolution` (a minute): checking a token used less than a minute
    /// ago reads the database and does not wait for its write lock.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func authenticate(token: String) async throws(StoreError) -> TokenCheck {
        try await authenticate(token: token, now: Date())
    }

    /// `authenticate(token:)` at the time `now`.
    func authenticate(token: String, now: Date) async throws(StoreError) -> TokenCheck {
        let digest = Self.sha256Hex(token)
        let cutoff = now.addingTimeInterval(-Self.lastUseResolution)
        // The lookup is by the digest, so no comparison of the secret itself can leak timing.
        let found: (APIToken, User?)? = try await read("check an API token") { db in
            guard let token = try Self.tokens(in: db, where: "t.token_sha256 = ?", [digest]).first else { return nil }
            let row = try Row.fetchOne(db, sql: "SELECT u.role, u.created_at FROM users u WHERE u.name = ?", arguments: [token.user.rawValue])
            let user = row.flatMap { row in
                UserRole(rawValue: row["role"]).map { User(name: token.user, role: $0, createdAt: StoredTime.date(row["created_at"] as DatabaseValue) ?? now) }
            }
            return (token, user)
        }
        guard let (token, owner) = found, let user = owner else { return .unknown }
        if token.revokedAt != nil { return .revoked(token) }
        if let expiry = token.expiresAt, expiry <= now { return .expired(token) }
        if let lastUsedAt = token.lastUsedAt, lastUsedAt >= cutoff { return .valid(token, user) }
        try await write("record the use of API token '\(token.name)'") { db in
            // Re-checked in the write: a concurrent request may have recorded a use meanwhile.
            try db.execute(
                sql: "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                arguments: [StoredTime.text(now), token.id, StoredTime.text(cutoff)])
        }
        var used = token
        used.lastUsedAt = now
        return .valid(used, user)
    }

    /// Tokens with their user and apps, newest first; tokens of no user (none after v10) left out.
    private static func tokens(in db: Database, where condition: String, _ arguments: [any DatabaseValueConvertible]) throws -> [APIToken] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT t.id, t.name, u.name AS user, t.app_scoped, t.read_only, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
                  (SELECT group_concat(a.name, ' ') FROM api_token_apps ta JOIN apps a ON a.id = ta.app_id WHERE ta.token_id = t.id) AS apps
                FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE \(condition) ORDER BY t.id DESC
                """,
            arguments: StatementArguments(arguments))
        return rows.compactMap { row in
            guard let user = try? UserName(row["user"]), let created = StoredTime.date(row["created_at"] as DatabaseValue) else { return nil }
            let apps: [AppName]? =
                (row["app_scoped"] as Bool)
                ? ((row["apps"] as String?) ?? "").split(separator: " ").compactMap { try? AppName(String($0)) }.sorted() : nil
            return APIToken(
                id: row["id"], name: row["name"], user: user, apps: apps, readOnly: row["read_only"], createdAt: created,
                expiresAt: StoredTime.date(row["expires_at"] as DatabaseValue), lastUsedAt: StoredTime.date(row["last_used_at"] as DatabaseValue),
                revokedAt: StoredTime.date(row["revoked_at"] as DatabaseValue))
        }
    }

    /// A new token: `gantry_` and 20 random bytes in hex.
    static func generateToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "gantry_" + hex(bytes)
    }

    /// The lowercase hex SHA-256 of `token`'s UTF-8 bytes, as stored in `api_tokens`.
    static func sha256Hex(_ token: String) -> String {
        hex(SHA256.hash(data: Array(token.utf8)))
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
