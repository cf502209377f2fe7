import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry ps APP`: the app's processes, as Heroku lists dynos.
struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List an app's running processes.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let processes = try await server.client().processes(app: app)
        if output.json { return print(try Display.json(processes)) }
        guard !processes.isEmpty else { return print("No processes of \(app) are running; push to deploy it.") }
        let now = Date()
        print(TextTable.render(
            headers: ["PROCESS", "RELEASE", "STATE", "ADDRESS", "UP SINCE", "RESTARTS"],
            rows: processes.map {
                [$0.name, "v\($0.release)", $0.state.rawValue, $0.endpoint.description, RelativeTime.describe($0.startedAt, relativeTo: now), String($0.restarts)]
            }))
    }
}

/// `gantry ps:scale APP web=3 worker=1`.
struct PsScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps:scale",
        abstract: "Scale an app's process types.",
        discussion: """
            Each argument is TYPE=COUNT (0 to 100). New web processes serve once healthy; \
            processes scaled away leave the router and finish their requests before they stop. \
            The formation is kept for later deploys.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp("The process types and their counts.", valueName: "TYPE=COUNT"))
    var assignments: [String]

    func validate() throws {
        try validateAppName(app)
        _ = try parsedFormation()
    }

    func run() async throws {
        let processes = try await server.client().scale(app: app, try parsedFormation())
        if output.json { return print(try Display.json(processes)) }
        let counts = Dictionary(grouping: processes, by: \.type).mapValues(\.count)
        let formation = try parsedFormation().keys.sorted().map { "\($0)=\(counts[$0] ?? 0)" }
        print("Scaled \(app) to \(formation.joined(separator: " ")).")
    }

    /// `web=3 worker=1` as counts by type.
    func parsedFormation() throws(CLIError) -> [String: Int] {
        var counts: [String: Int] = [:]
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[1]) else {
                throw CLIError("invalid '\(assignment.prefix(40))': write TYPE=COUNT, such as web=3")
            }
            let type = String(parts[0])
            guard Formation.isValidType(type) else {
                throw CLIError("invalid process type '\(type.prefix(40))': 1 to 30 letters, digits, '-' and '_'")
            }
            guard (0...Formation.maximumQuantity).contains(count) else {
                throw CLIError("invalid count \(count) for \(type): use 0 to \(Formation.maximumQuantity)")
            }
            guard counts.updateValue(count, forKey: type) == nil else { throw CLIError("\(type) is named twice") }
        }
        guard !counts.isEmpty else { throw CLIError("name at least one TYPE=COUNT, such as web=2") }
        return counts
    }
}

/// `gantry ps:restart APP [TYPE]`.
struct PsRestart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps:restart",
        abstract: "Restart an app's processes, one at a time.",
        discussion: "Each process leaves the router, finishes its requests, stops and starts again; web processes must pass their health checks.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "Only processes of this type (default: all).")
    var type: String?

    func validate() throws {
        try validateAppName(app)
        if let type, !Formation.isValidType(type) {
            throw CLIError("invalid process type '\(type.prefix(40))': 1 to 30 letters, digits, '-' and '_'")
        }
    }

    func run() async throws {
        let processes = try await server.client().restart(app: app, type: type)
        if output.json { return print(try Display.json(processes)) }
        print("Restarted \(processes.filter { type == nil || $0.type == type }.map(\.name).joined(separator: ", ")) of \(app).")
    }
}
