import Foundation
import GantryCore
import GRDB

/// Maintenance mode: one row per app that is in it.
extension Store {
    /// Puts `app` in maintenance (or changes its message).
    /// - Throws: `StoreError.appNotFound`; `StoreError.database`.
    public func setMaintenance(app: AppName, _ maintenance: Maintenance) async throws(StoreError) {
        try await write("put '\(app)' in maintenance") { db in
            let appID = try AppRecord.id(of: app, in: db)
            try db.execute(
                sql: "INSERT OR REPLACE INTO maintenance (app_id, message, since, turned_on_by) VALUES (?, ?, ?, ?)",
                arguments: [appID, maintenance.message?.rawValue, StoredTime.text(maintenance.since), maintenance.by])
        }
    }

    /// Takes `app` out of maintenance.
    /// - Returns: whether it was in maintenance.
    public func removeMaintenance(app: AppName) async throws(StoreError) -> Bool {
        try await write("take '\(app)' out of maintenance") { db in
            let appID = try AppRecord.id(of: app, in: db)
            try db.execute(sql: "DELETE FROM maintenance WHERE app_id = ?", arguments: [appID])
            return db.changesCount > 0
        }
    }

    /// `app`'s maintenance, or `nil` when it serves normally.
    public func maintenance(app: AppName) async throws(StoreError) -> Maintenance? {
        try await read("read the maintenance of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try Row.fetchOne(db, sql: "SELECT message, since, turned_on_by FROM maintenance WHERE app_id = ?", arguments: [appID])
                .map { Self.maintenance(from: $0) }
        }
    }

    /// Every app in maintenance, for the router at gantryd's start.
    public func allMaintenance() async throws(StoreError) -> [AppName: Maintenance] {
        try await read("list the apps in maintenance") { db in
            var result: [AppName: Maintenance] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT apps.name, message, since, turned_on_by FROM maintenance JOIN apps ON apps.id = maintenance.app_id")
            {
                result[try AppName(row["name"] as String)] = Self.maintenance(from: row)
            }
            return result
        }
    }

    private static func maintenance(from row: Row) -> Maintenance {
        // A message that no longer passes the checks is shown as the default text, not an error.
        let message = (row["message"] as String?).flatMap { try? MaintenanceMessage($0) }
        return Maintenance(message: message, since: StoredTime.date(row["since"] as DatabaseValue) ?? Date(timeIntervalSince1970: 0), by: row["turned_on_by"])
    }
}
