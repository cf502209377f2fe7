import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Adds custom domains to `app`. A domain the app has already stays as it is; one that
    /// belongs to another app refuses the whole change.
    /// - Returns: every custom domain of the app, by name.
    /// - Throws: `.appNotFound`, `.domainTaken` naming the owner; `StoreError.database`.
    public func addDomains(_ domains: [DomainName], to app: AppName) async throws(StoreError) -> [Domain] {
        try await write("add domains to '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            let now = StoredTime.text(Date())
            for domain in domains {
                if let owner = try String.fetchOne(
                    db, sql: "SELECT a.name FROM domains d JOIN apps a ON a.id = d.app_id WHERE d.name = ? AND d.app_id <> ?",
                    arguments: [domain.rawValue, appID])
                {
                    throw StoreError.domainTaken(domain, owner: owner)
                }
                try db.execute(sql: "INSERT OR IGNORE INTO domains (name, app_id, created_at) VALUES (?, ?, ?)", arguments: [domain.rawValue, appID, now])
            }
            return try Self.domains(appID: appID, in: db)
        }
    }

    /// The custom domains of `app`, by name.
    public func domains(app: AppName) async throws(StoreError) -> [Domain] {
        try await read("list the domains of '\(app)'") { db in try Self.domains(appID: try AppRecord.id(of: app, in: db), in: db) }
    }

    /// Every app's custom domains: what the router is told at start.
    public func allDomains() async throws(StoreError) -> [AppName: [DomainName]] {
        try await read("list every domain") { db in
            var table: [AppName: [DomainName]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT a.name AS app, d.name FROM domains d JOIN apps a ON a.id = d.app_id ORDER BY d.name") {
                guard let app = try? AppName(row["app"]), let domain = try? DomainName(row["name"]) else { continue }
                table[app, default: []].append(domain)
            }
            return table
        }
    }

    /// Takes `domain` from `app`.
    /// - Throws: `.domainNotFound` when the app does not have it; `StoreError.database`.
    public func removeDomain(_ domain: DomainName, from app: AppName) async throws(StoreError) -> [Domain] {
        try await write("remove a domain of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            try db.execute(sql: "DELETE FROM domains WHERE name = ? AND app_id = ?", arguments: [domain.rawValue, appID])
            if db.changesCount == 0 { throw StoreError.domainNotFound(app, domain) }
            return try Self.domains(appID: appID, in: db)
        }
    }

    private static func domains(appID: Int64, in db: Database) throws -> [Domain] {
        try Row.fetchAll(db, sql: "SELECT name, created_at FROM domains WHERE app_id = ? ORDER BY name", arguments: [appID]).compactMap { row in
            guard let name = try? DomainName(row["name"]), let created = StoredTime.date(row["created_at"] as DatabaseValue) else { return nil }
            return Domain(name: name, createdAt: created)
        }
    }
}
