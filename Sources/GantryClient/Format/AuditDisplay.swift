import Foundation
import GantryCore

/// How `gantry audit` prints the audit log. Every field may hold what a caller sent (a refused
/// token's name, a ref, a peer's address), so each is made printable before it is shown.
public enum AuditDisplay {
    /// The events gantryd returns when no limit is given.
    public static let defaultLimit = 50
    /// The most characters a DETAIL or OUTCOME cell shows; `--json` has the rest.
    static let maximumCellLength = 60

    /// `ID  TIME  USER  FROM  ACTION  APP  DETAIL  OUTCOME`, newest first as gantryd sends
    /// them. TIME is UTC (an audit log is compared with other logs); FROM is the caller's
    /// address; empty fields are `-`.
    public static func table(_ events: [AuditEvent]) -> String {
        TextTable.render(
            headers: ["ID", "TIME", "USER", "FROM", "ACTION", "APP", "DETAIL", "OUTCOME"],
            rows: events.map(row))
    }

    /// One event's cells, each printable and at most `maximumCellLength` characters.
    public static func row(_ event: AuditEvent) -> [String] {
        [
            String(event.id), event.at.formatted(.iso8601), field(event.user), field(event.peer), field(event.action),
            field(event.app), field(event.detail), field(event.outcome),
        ]
    }

    /// The `--before ID` of the page after `events`, when `events` is a full page of `limit`.
    public static func nextPage(after events: [AuditEvent], limit: Int) -> Int64? {
        guard events.count >= limit, let last = events.last else { return nil }
        return last.id
    }

    private static func field(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        return Display.cell(text, maximumLength: maximumCellLength)
    }
}
