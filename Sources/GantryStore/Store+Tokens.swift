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

    /// Checks a token presented by a client and records that it was used.
    /// - Returns: the name the token was created with, or `nil` when no token matches.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func authenticate(token: String) async throws(StoreError) -> String? {
        let digest = Self.sha256Hex(token)
        return try await write("check an API token") { db in
            let request = TokenRecord.filter(TokenRecord.Columns.tokenSHA256 == digest)
            guard let name = try String.fetchOne(db, request.select(TokenRecord.Columns.name)) else {
                return nil
            }
            try request.updateAll(db, TokenRecord.Columns.lastUsedAt.set(to: Date()))
            return name
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
