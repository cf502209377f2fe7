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
    /// Keeps `certificate` as the app's, replacing the one it had, unless `keepingManual` and
    /// the one it had is the user's own (`certs:add` while an ACME order ran).
    /// - Returns: whether it was kept.
    @discardableResult
    public func setCertificate(_ certificate: StoredCertificate, app: AppName, keepingManual: Bool = false) async throws(StoreError) -> Bool {
        try await write("keep the certificate of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            if keepingManual, try Bool.fetchOne(db, sql: "SELECT 1 FROM certificates WHERE app_id = ? AND source = 'manual'", arguments: [appID]) == true {
                return false
            }
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
            return true
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

extension Store {
    /// Keeps where getting the app's certificate over ACME stands, replacing what was kept.
    public func setAutomaticCertificate(_ status: AutomaticCertificate, app: AppName) async throws(StoreError) {
        try await write("keep the ACME status of '\(app)'") { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO acme_status (app_id, names, state, last_error, failures, next_attempt_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    try AppRecord.id(of: app, in: db), status.names.joined(separator: " "), status.state, status.lastError, status.failures,
                    status.nextAttemptAt.map(StoredTime.text), StoredTime.text(status.updatedAt),
                ])
        }
    }

    /// Where getting the app's certificate over ACME stands, if gantryd ever tried.
    public func automaticCertificate(app: AppName) async throws(StoreError) -> AutomaticCertificate? {
        try await read("read the ACME status of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try Row.fetchOne(db, sql: "SELECT * FROM acme_status WHERE app_id = ?", arguments: [appID]).map { row in
                AutomaticCertificate(
                    state: row["state"], names: (row["names"] as String).split(separator: " ").map(String.init), lastError: row["last_error"],
                    failures: row["failures"], nextAttemptAt: StoredTime.date(row["next_attempt_at"] as DatabaseValue),
                    updatedAt: StoredTime.date(row["updated_at"] as DatabaseValue) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }

    /// Forgets where getting the app's certificate over ACME stands (it has one of its own,
    /// or no domain to ask for).
    public func removeAutomaticCertificate(app: AppName) async throws(StoreError) {
        try await write("forget the ACME status of '\(app)'") { db in
            try db.execute(sql: "DELETE FROM acme_status WHERE app_id = ?", arguments: [try AppRecord.id(of: app, in: db)])
        }
    }
}
