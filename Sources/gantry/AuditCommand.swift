import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry audit`: the audit log, newest first, a page at a time.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: who changed what, and what was refused, newest first.",
        discussion: """
            An admin reads all of it; anyone else the events of an app they have access to \
            (--app) or their own calls (--user). Times are UTC; FROM is the caller's address; \
            --json adds how each caller signed in. When a page is full, the command for the next \
            one is printed after it.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Only the events of this app.", valueName: "app"))
    var app: String?
    @Option(help: ArgumentHelp("Only the calls of this user.", valueName: "user"))
    var user: String?
    @Option(help: "The most events to list (1 to 1000; default \(AuditDisplay.defaultLimit)).")
    var limit: Int?
    @Option(help: ArgumentHelp("Only events older than this id: the next page.", valueName: "id"))
    var before: Int64?

    func validate() throws {
        if let app { try validateAppName(app) }
        if let user { try validateUserName(user) }
        if let limit, !(1...1000).contains(limit) { throw CLIError("invalid --limit \(limit): use a number from 1 to 1000") }
        if let before, before <= 0 { throw CLIError("invalid --before \(before): use an event id, as `gantry audit` lists them") }
    }

    func run() async throws {
        let limit = limit ?? AuditDisplay.defaultLimit
        let events = try await server.client().audit(app: app, user: user, limit: limit, before: before)
        if output.json { return print(try Display.json(events)) }
        guard !events.isEmpty else {
            return print("No audit events" + (before.map { " before #\($0)" } ?? "") + ".")
        }
        print(AuditDisplay.table(events))
        if let next = AuditDisplay.nextPage(after: events, limit: limit) {
            print("\nOlder events: \(nextPageCommand(before: next))")
        }
    }

    /// `gantry audit` with this one's filters and limit, and `--before ID`.
    func nextPageCommand(before id: Int64) -> String {
        var words = ["gantry", "audit"]
        if let app { words += ["--app", app] }
        if let user { words += ["--user", user] }
        if let limit { words += ["--limit", String(limit)] }
        return (words + ["--before", String(id)]).joined(separator: " ")
    }
}
