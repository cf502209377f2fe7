import Crypto
import struct Foundation.Date
import GRDB

extension Store {
    /// Creates an API token called `name` (a label such as "admin" or "ci"; not unique).
    ///
    /// Only the token's SHA-256 is stored: the returned plaintext cannot be shown again.
    /// - Returns: the token, `gantry_` followed by 40 lowercase hex digits (160 random bits
    ///   from `SystemRandomNumberGenerator`).
    /// - Throws: `StoreError.database` when SQLite fails.
    public func createToken(name: String) async throws(StoreError) -> String {
        let token = Self.generateToken()
        let digest = Self.sha256Hex(token)
        try await write("create API token '\(name)'") { db in
            try TokenRecord(id: nil, name: name, tokenSHA256: digest, createdAt: Date(), lastUsedAt: nil)
                .insert(db)
        }
        return token
    }

    /// The number of API tokens. gantryd creates an admin token when there is none.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func tokenCount() async throws(StoreError) -> Int {
        try await read("count API tokens") { db in try TokenRecord.fetchCount(db) }
    }

    /// How stale `api_tokens.last_used_at` may get: a token's use is recorded only when its
    /// last recorded use is older than this, so that most requests only read.
    static let lastUseResolution: Double = 60

    /// Checks a token presented by a client and records that it was used. The time of use is
    /// kept to within `lastUseResolution` (a minute): checking a token used less than a minute
    /// ago reads the database and does not wait for its write lock.
    /// - Returns: the name the token was created with, or `nil` when no token matches.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func authenticate(token: String) async throws(StoreError) -> String? {
        try await authenticate(token: token, now: Date())
    }

    /// `authenticate(token:)` at the time `now`.
    func authenticate(token: String, now: Date) async throws(StoreError) -> String? {
        let digest = Self.sha256Hex(token)
        let cutoff = now.addingTimeInterval(-Self.lastUseResolution)
        let request = TokenRecord.filter(TokenRecord.Columns.tokenSHA256 == digest)
        guard let found = try await read("check an API token", { db in try request.fetchOne(db) }) else {
            return nil
        }
        if let lastUsedAt = found.lastUsedAt, lastUsedAt >= cutoff {
            return found.name
        }
        try await write("record the use of API token '\(found.name)'") { db in
            // Re-checked in the write: a concurrent request may have recorded a use meanwhile.
            let lastUsedAt = TokenRecord.Columns.lastUsedAt
            _ = try request
                .filter(lastUsedAt == nil || lastUsedAt < StoredTime.text(cutoff))
                .updateAll(db, lastUsedAt.set(to: StoredTime.text(now)))
        }
        return found.name
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
