import struct Foundation.Date
import GantryCore
import GRDB

/// What the audit log is asked for: `gantry audit [--app APP] [--user U]`, a page at a time.
public struct AuditQuery: Sendable, Equatable {
    public var app: AppName?
    public var user: UserName?
    /// Only events older than this id (the next page).
    public var before: Int64?
    public var limit: Int

    public init(app: AppName? = nil, user: UserName? = nil, before: Int64? = nil, limit: Int = 50) {
        self.app = app
        self.user = user
        self.before = before
        self.limit = limit
    }
}

/// One event to append to the audit log (the store stamps the time and the id).
public struct AuditEntry: Sendable, Equatable {
    public var user: String?
    public var credential: String?
    public var peer: String?
    public var action: String
    public var app: String?
    public var detail: String?
    public var outcome: String

    public init(user: String?, credential: String?, peer: String?, action: String, app: String? = nil, detail: String? = nil, outcome: String) {
        self.user = user
        self.credential = credential
        self.peer = peer
        self.action = action
        self.app = app
        self.detail = detail
        self.outcome = outcome
    }
}

extension Store {
    /// The longest text kept in a field of the audit log; a longer one is cut (with `…`).
    static let auditFieldLimit = 500

    /// Appends one event to the audit log. The table refuses updates and deletes.
    /// - Throws: `StoreError.database` when SQLite fails.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry) async throws(StoreError) -> AuditEvent {
        try await write("append to the audit log") { db in
            let now = Date()
            let fields = [entry.user, entry.credential, entry.peer, entry.action, entry.app, entry.detail, entry.outcome].map { $0.map(Self.clipped) }
            try db.execute(
                sql: "INSERT INTO audit_events (at, user, credential, peer, action, app, detail, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: StatementArguments([StoredTime.text(now)] + fields))
            return AuditEvent(
                id: db.lastInsertedRowID, at: now, user: fields[0], credential: fields[1], peer: fields[2], action: fields[3]!, app: fields[4],
                detail: fields[5], outcome: fields[6]!)
        }
    }

    /// A page of the audit log, newest first.
    public func audit(_ query: AuditQuery) async throws(StoreError) -> [AuditEvent] {
        try await read("read the audit log") { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let app = query.app {
                conditions.append("app = ?")
                arguments.append(app.rawValue)
            }
            if let user = query.user {
                conditions.append("user = ?")
                arguments.append(user.rawValue)
            }
            if let before = query.before {
                conditions.append("id < ?")
                arguments.append(before)
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments.append(query.limit)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM audit_events \(filter) ORDER BY id DESC LIMIT ?", arguments: StatementArguments(arguments)
            ).map { row in
                AuditEvent(
                    id: row["id"], at: StoredTime.date(row["at"] as DatabaseValue) ?? Date(timeIntervalSince1970: 0), user: row["user"],
                    credential: row["credential"], peer: row["peer"], action: row["action"], app: row["app"], detail: row["detail"],
                    outcome: row["outcome"])
            }
        }
    }

    private static func clipped(_ text: String) -> String {
        text.count <= auditFieldLimit ? text : String(text.prefix(auditFieldLimit - 1)) + "…"
    }
}
