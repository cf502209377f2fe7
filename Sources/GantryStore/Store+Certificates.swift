import struct Foundation.Date
import GantryCore
import GRDB

/// A certificate with its key, as kept.
public struct StoredCertificate: Sendable, Equatable {
    public var chainPEM: String
    public var keyPEM: String
    public var names: [String]
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    public var source: String
    public var createdAt: Date

    public init(chainPEM: String, keyPEM: String, names: [String], issuer: String, notBefore: Date, notAfter: Date, source: String, createdAt: Date) {
        self.chainPEM = chainPEM
        self.keyPEM = keyPEM
        self.names = names
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.source = source
        self.createdAt = createdAt
    }
}

extension Store {
    /// Keeps `certificate` as the app's, replacing the one it had.
    public func setCertificate(_ certificate: StoredCertificate, app: AppName) async throws(StoreError) {
        try await write("keep the certificate of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO certificates (app_id, chain_pem, key_pem, names, issuer, not_before, not_after, source, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    appID, certificate.chainPEM, certificate.keyPEM, certificate.names.joined(separator: " "), certificate.issuer,
                    StoredTime.text(certificate.notBefore), StoredTime.text(certificate.notAfter), certificate.source,
                    StoredTime.text(certificate.createdAt),
                ])
        }
    }

    /// The app's certificate, if it has one.
    public func certificate(app: AppName) async throws(StoreError) -> StoredCertificate? {
        try await read("read the certificate of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try Row.fetchOne(db, sql: "SELECT * FROM certificates WHERE app_id = ?", arguments: [appID]).map(Self.certificate)
        }
    }

    /// Every app that has a certificate, with it: what the router is given at start.
    public func allCertificates() async throws(StoreError) -> [AppName: StoredCertificate] {
        try await read("read every certificate") { db in
            var table: [AppName: StoredCertificate] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT a.name AS app, c.* FROM certificates c JOIN apps a ON a.id = c.app_id") {
                if let app = try? AppName(row["app"]) { table[app] = Self.certificate(row) }
            }
            return table
        }
    }

    /// Forgets the app's certificate.
    /// - Throws: `.certificateNotFound` when it has none; `StoreError.database`.
    public func removeCertificate(app: AppName) async throws(StoreError) {
        try await write("remove the certificate of '\(app)'") { db in
            try db.execute(sql: "DELETE FROM certificates WHERE app_id = ?", arguments: [try AppRecord.id(of: app, in: db)])
            if db.changesCount == 0 { throw StoreError.certificateNotFound(app) }
        }
    }

    private static func certificate(_ row: Row) -> StoredCertificate {
        let epoch = Date(timeIntervalSince1970: 0)
        return StoredCertificate(
            chainPEM: row["chain_pem"], keyPEM: row["key_pem"], names: (row["names"] as String).split(separator: " ").map(String.init),
            issuer: row["issuer"], notBefore: StoredTime.date(row["not_before"] as DatabaseValue) ?? epoch,
            notAfter: StoredTime.date(row["not_after"] as DatabaseValue) ?? epoch, source: row["source"],
            createdAt: StoredTime.date(row["created_at"] as DatabaseValue) ?? epoch)
    }
}
