import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry releases APP`: an app's releases, newest first.
struct Releases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases",
        abstract: "List an app's releases, newest first.",
        discussion: "Shows each release's version, description, author and age, and its status unless it was superseded.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The most releases to list (1 to 100000; default 100).")
    var limit: Int?
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws {
        try validateAppName(app)
        if let limit, !(1...100_000).contains(limit) {
            throw CLIError("invalid --limit \(limit): use a number from 1 to 100000")
        }
    }

    func run() async throws {
        let client = try server.client()
        if output.json { return print(try Display.json(try await client.releases(app: app, limit: limit))) }
        print(try await Self.table(app: app, client: client, server: server, limit: limit))
    }

    /// The table `gantry releases` prints (and `gantry history` when piped), or the line
    /// saying there are no releases yet.
    /// - Throws: `ClientError`.
    static func table(app: String, client: GantryAPIClient, server: ServerOptions, limit: Int?) async throws(ClientError) -> String {
        let releases = try await client.releases(app: app, limit: limit)
        guard !releases.isEmpty else {
            return "\(app) has no releases yet; push to \(server.url)/\(app).git to make one."
        }
        return ReleaseDisplay.table(app: app, releases: releases)
    }
}

/// `gantry releases:info APP vN`: one release in full (config keys, never values).
struct ReleasesInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases:info", abstract: "Show one release: commit, image, config keys, process types.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp("The release's version, as `gantry releases APP` lists it (v12 or 12).", valueName: "vN"))
    var version: String

    func validate() throws {
        try validateAppName(app)
        _ = try parsedVersion()
    }

    func run() async throws {
        let release = try await server.client().release(app: app, version: try parsedVersion())
        if output.json { return print(try Display.json(release)) }
        print(ReleaseDisplay.info(release))
    }

    private func parsedVersion() throws(CLIError) -> Int {
        try parseReleaseVersion(version)
    }
}

/// `gantry rollback APP [vN]`: a new release with an earlier release's image and config.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Roll an app back to an earlier release, without a rebuild.",
        discussion: """
            Makes a new release with the image and config of release vN (default: the last good \
            release before the live one) and deploys it through the same health checks and \
            zero-downtime switch as a push. A release that failed, or whose image is gone, is refused.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: ArgumentHelp("The release to roll back to (v12 or 12); default: the last good one before the live one.", valueName: "vN"))
    var version: String?

    func validate() throws {
        try validateAppName(app)
        _ = try parsedVersion()
    }

    func run() async throws {
        let release = try await server.client().rollback(app: app, to: try parsedVersion())
        if output.json { return print(try Display.json(release)) }
        if let report = ReleaseDisplay.releasePhaseReport(release) { print(report) }
        print("\(release.description): \(release.name) of \(app) is live.")
    }

    private func parsedVersion() throws(CLIError) -> Int? {
        try version.map(parseReleaseVersion)
    }
}
