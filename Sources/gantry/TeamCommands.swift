import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry whoami`: the user the saved token logs in as.
struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show the user the current token logs in as, and what narrows the token.",
        discussion: "The token is GANTRY_TOKEN's, else the one `gantry login` saved.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let me = try await server.client().whoami()
        if output.json { return print(try Display.json(me)) }
        print(TeamDisplay.whoami(me))
    }
}

/// `gantry users`: everyone with an account (admins only).
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "List the users (admins only).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let users = try await server.client().users()
        if output.json { return print(try Display.json(users)) }
        guard !users.isEmpty else { return print("No users yet; add one with `gantry users:add NAME`.") }
        print(TeamDisplay.users(users))
    }
}

/// `gantry users:add NAME [--role member|admin]`.
struct UsersAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users:add",
        abstract: "Add a user and print their first API token (admins only).",
        discussion: """
            A member creates apps and acts on the apps they own or were given (`gantry access:add`); \
            an admin may do everything. The token is shown only once: hand it to the user, who \
            logs in with `gantry login --token TOKEN` and may then make their own (`gantry tokens:create`).
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The user's name: 1 to 30 lowercase letters, digits and dashes, starting with a letter.")
    var name: String
    @Option(help: ArgumentHelp("The user's role: member or admin.", valueName: "role"))
    var role = UserRole.member.rawValue

    func validate() throws {
        try validateUserName(name)
        do { _ = try UserRole.parse(role) } catch { throw CLIError("invalid --role: \(error.description)") }
    }

    func run() async throws {
        let created = try await server.client().createUser(name: name, role: role)
        if output.json { return print(try Display.json(created)) }
        print(TeamDisplay.created(created, server: server.url))
    }
}

/// `gantry users:remove NAME --confirm NAME`.
struct UsersRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users:remove",
        abstract: "Remove a user with their API tokens, SSH keys and app access (admins only).",
        discussion: """
            Their tokens and keys stop working at once, even on connections already open; the apps \
            they own stay, for the admins and their other owners. The user's name must be given \
            twice, the second time with --confirm.
            """)

    @OptionGroup var server: ServerOptions
    @Argument(help: "The user's name, as `gantry users` lists it.")
    var name: String
    @Option(help: ArgumentHelp("The user's name again, to confirm.", valueName: "name"))
    var confirm: String?

    func validate() throws {
        try validateUserName(name)
        guard confirm == name else {
            throw CLIError(
                "removing \(name) revokes their tokens, SSH keys and app access for good; to proceed, run `gantry users:remove \(name) --confirm \(name)`")
        }
    }

    func run() async throws {
        try await server.client().removeUser(name)
        print("Removed \(name); their tokens, SSH keys and app access are gone, their apps stay.")
    }
}
