import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry tokens`: the caller's API tokens (every user's with `--all`).
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "List your API tokens, revoked and expired ones too (never the tokens themselves).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "List every user's tokens (admins only).")
    var all = false

    func run() async throws {
        let tokens = try await server.client().tokens(all: all)
        if output.json { return print(try Display.json(tokens)) }
        guard !tokens.isEmpty else { return print("No API tokens; create one with `gantry tokens:create --name NAME`.") }
        print(TokenDisplay.table(tokens, showUser: all))
    }
}

/// `gantry tokens:create [--name N] [--app APP]… [--read-only] [--expires 90d]`.
struct TokensCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens:create",
        abstract: "Create an API token of yours, narrowed to some apps, read-only or expiring if you like.",
        discussion: """
            The token is shown only once. It may never do more than the token that creates it: a \
            token narrowed to some apps creates tokens for some of those, a read-only one read-only \
            ones, an expiring one tokens that expire no later.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("A label such as laptop or ci (default: your user name).", valueName: "name"))
    var name: String?
    @Option(name: .customLong("app"), help: ArgumentHelp("An app the token may act on; repeat for more (default: all of yours).", valueName: "app"))
    var apps: [String] = []
    @Flag(help: "Let the token only read: list, show logs, config keys (not values).")
    var readOnly = false
    @Option(help: ArgumentHelp("How long the token works: a number and s, m, h, d or w, such as 90d (default: until revoked).", valueName: "lifetime"))
    var expires: String?

    func validate() throws {
        for app in apps { try validateAppName(app) }
        _ = try lifetime()
    }

    func run() async throws {
        let create = CreateToken(name: name, apps: apps.isEmpty ? nil : apps, readOnly: readOnly ? true : nil, expiresIn: try lifetime()?.seconds)
        let created = try await server.client().createToken(create)
        if output.json { return print(try Display.json(created)) }
        print(TokenDisplay.created(created))
    }

    private func lifetime() throws(CLIError) -> TokenLifetime? {
        guard let expires else { return nil }
        do { return try TokenLifetime(parsing: expires) } catch { throw CLIError("invalid --expires: \(error.description)") }
    }
}

/// `gantry tokens:revoke ID`.
struct TokensRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens:revoke",
        abstract: "Revoke an API token: it stops working at once.",
        discussion: "You may revoke your own tokens (the one in use too: log in again afterwards); an admin anyone's.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp("The token's id, as `gantry tokens` lists it.", valueName: "id"))
    var id: Int64

    func validate() throws {
        guard id > 0 else { throw CLIError("invalid token id \(id): `gantry tokens` lists the ids") }
    }

    func run() async throws {
        let token = try await server.client().revokeToken(id: id)
        if output.json { return print(try Display.json(token)) }
        print("Revoked token \(Display.printable(token.name)) (#\(token.id)) of \(token.user).")
    }
}
