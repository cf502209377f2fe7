import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry access APP`: who may do what on an app.
struct Access: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "List who may do what on an app.",
        discussion: """
            read: list builds, releases, processes, logs and config keys (not values); deploy: also \
            push, roll back, set config, scale, restart; owner: also give and take access, destroy \
            the app. Admins may do everything on every app without being listed.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let access = try await server.client().access(app: app)
        if output.json { return print(try Display.json(access)) }
        guard !access.isEmpty else {
            return print("No one but the admins has access to \(app); give some with `gantry access:add \(app) USER`.")
        }
        print(TeamDisplay.access(access))
    }
}

/// `gantry access:add APP USER [--role deploy|read|owner]`.
struct AccessAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access:add",
        abstract: "Give a user access to an app, or change their role on it (owners only).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "The user's name, as `gantry users` lists it.")
    var user: String
    @Option(help: ArgumentHelp("What they may do: read, deploy or owner.", valueName: "role"))
    var role = AccessRole.deploy.rawValue

    func validate() throws {
        try validateAppName(app)
        try validateUserName(user)
        do { _ = try AccessRole.parse(role) } catch { throw CLIError("invalid --role: \(error.description)") }
    }

    func run() async throws {
        let access = try await server.client().grantAccess(app: app, user: user, role: role)
        if output.json { return print(try Display.json(access)) }
        print("\(access.user) now has \(access.role.rawValue) access to \(app).")
    }
}

/// `gantry access:remove APP USER`.
struct AccessRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access:remove",
        abstract: "Take a user's access to an app away (owners only), or leave an app yourself.",
        discussion: "An app keeps at least one owner: make someone else owner before its last owner leaves.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "The user's name, as `gantry access APP` lists it.")
    var user: String

    func validate() throws {
        try validateAppName(app)
        try validateUserName(user)
    }

    func run() async throws {
        try await server.client().revokeAccess(app: app, user: user)
        print("\(user) no longer has access to \(app).")
    }
}
