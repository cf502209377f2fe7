import ArgumentParser
import GantryClient
import GantryCore

/// `gantry maintenance APP`.
struct MaintenanceStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "maintenance", abstract: "Show whether an app is in maintenance.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let state = try await server.client().maintenance(app: app)
        if output.json { return print(try Display.json(state)) }
        guard let maintenance = state.maintenance else { return print("\(app) is not in maintenance.") }
        print("\(app) is in maintenance since \(Display.timestamp(maintenance.since)) (by \(maintenance.by)): \(maintenance.message?.rawValue ?? "default page").")
    }
}

/// `gantry maintenance:on APP [--message TEXT]`.
struct MaintenanceOn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance:on",
        abstract: "Answer an app's requests with 503 and a maintenance page; its processes keep running.",
        discussion: "The release phase, `gantry run`, deploys and scaling still work. `maintenance:off` ends it.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Option(help: "What the page says (one line, at most 500 bytes); default: APP is down for maintenance.")
    var message: String?

    func validate() throws {
        try validateAppName(app)
        if let message { do { _ = try MaintenanceMessage(message) } catch { throw CLIError(error.description) } }
    }

    func run() async throws {
        let state = try await server.client().maintenanceOn(app: app, message: try message.map { try MaintenanceMessage($0) })
        if output.json { return print(try Display.json(state)) }
        print("\(app) is in maintenance: its requests get 503 and the maintenance page.")
    }
}

/// `gantry maintenance:off APP`.
struct MaintenanceOff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "maintenance:off", abstract: "Serve an app's requests again.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        try await server.client().maintenanceOff(app: app)
        print("\(app) is out of maintenance.")
    }
}
