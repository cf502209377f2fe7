import ArgumentParser
import Foundation
import GantryClient

/// `gantry apps`: the app list.
struct Apps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apps", abstract: "List the apps.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let apps = try await server.client().apps()
        if output.json { return print(try Display.json(apps)) }
        guard !apps.isEmpty else { return print("No apps yet; create one with `gantry apps:create NAME`.") }
        let now = Date()
        print(TextTable.render(
            headers: ["NAME", "CREATED"],
            rows: apps.map { [$0.name.rawValue, RelativeTime.describe($0.createdAt, relativeTo: now)] }))
    }
}

/// `gantry apps:create NAME`.
struct AppsCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps:create", abstract: "Create an app and its git repository.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name: 1 to 30 lowercase letters, digits and dashes, starting with a letter.")
    var name: String

    func validate() throws { try validateAppName(name) }

    func run() async throws {
        let app = try await server.client().createApp(name)
        let remote = "\(server.url)/\(app.name).git"
        print("Created \(app.name).")
        print("Deploy with: git remote add gantry \(remote) && git push gantry main")
    }
}

/// `gantry apps:info NAME`.
struct AppsInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apps:info", abstract: "Show an app.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var name: String

    func validate() throws { try validateAppName(name) }

    func run() async throws {
        let app = try await server.client().app(name)
        if output.json { return print(try Display.json(app)) }
        print("=== \(app.name)")
        print(TextTable.fields([
            ("Name", app.name.rawValue),
            ("Created", Display.timestamp(app.createdAt)),
            ("Git URL", "\(server.url)/\(app.name).git"),
        ]))
    }
}

/// `gantry apps:destroy NAME --confirm NAME`.
struct AppsDestroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps:destroy",
        abstract: "Destroy an app with its repository and builds.",
        discussion: "This cannot be undone, so the app's name must be given twice, the second time with --confirm.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var name: String
    @Option(help: ArgumentHelp("The app's name again, to confirm.", valueName: "name"))
    var confirm: String?

    func validate() throws {
        try validateAppName(name)
        guard confirm == name else {
            throw CLIError(
                "destroying \(name) deletes its repository and builds for good; to proceed, run `gantry apps:destroy \(name) --confirm \(name)`")
        }
    }

    func run() async throws {
        try await server.client().destroyApp(name)
        print("Destroyed \(name).")
    }
}
