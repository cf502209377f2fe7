import ArgumentParser
import Foundation
import GantryClient

/// `gantry builds APP`: the builds of an app, newest first.
struct Builds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builds", abstract: "List an app's builds, newest first.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let builds = try await server.client().builds(app: app)
        if output.json { return print(try Display.json(builds)) }
        guard !builds.isEmpty else {
            return print("No builds of \(app) yet; push to \(server.url)/\(app).git to start one.")
        }
        let now = Date()
        print(TextTable.render(
            headers: ["ID", "STATUS", "REF", "COMMIT", "CREATED"],
            rows: builds.map {
                [String($0.id), $0.status.rawValue, Display.ref($0.ref),
                 Display.commitRange(old: $0.oldCommit, new: $0.newCommit),
                 RelativeTime.describe($0.createdAt, relativeTo: now)]
            }))
    }
}

/// `gantry builds:info APP ID`: one build with its log.
struct BuildsInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builds:info", abstract: "Show a build and its full log.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "The build's ID, as `gantry builds APP` lists it.")
    var id: Int64

    func validate() throws {
        try validateAppName(app)
        guard id > 0 else { throw CLIError("invalid build ID \(id): IDs are positive numbers") }
    }

    func run() async throws {
        let build = try await server.client().build(app: app, id: id)
        if output.json { return print(try Display.json(build)) }
        print("=== \(build.app) build \(build.id)")
        var fields: [(label: String, value: String)] = [
            ("Status", build.status.rawValue),
            ("Ref", build.ref.rawValue),
            ("Commit", build.newCommit.hex),
            ("Previous", build.oldCommit.isZero ? "none (first push)" : build.oldCommit.hex),
            ("Created", Display.timestamp(build.createdAt)),
            ("Finished", build.finishedAt.map { Display.timestamp($0) } ?? "not yet"),
        ]
        if let reason = build.failureReason { fields.append(("Failure", reason)) }
        if let buildpack = build.buildpack { fields.append(("Buildpack", buildpack)) }
        if let stack = build.stack { fields.append(("Stack", stack)) }
        if let image = build.imageDigest { fields.append(("Image", image)) }
        if let seconds = build.buildSeconds { fields.append(("Build time", String(format: "%.1f s", seconds))) }
        if let seconds = build.testSeconds { fields.append(("Test time", String(format: "%.1f s", seconds))) }
        print(TextTable.fields(fields))
        print()
        let log = build.log ?? ""
        print(log.isEmpty ? "(no log yet)" : log, terminator: log.hasSuffix("\n") ? "" : "\n")
    }
}
