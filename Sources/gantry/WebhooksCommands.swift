import ArgumentParser
import Foundation
import GantryClient
import GantryCore

extension WebhookProvider: ExpressibleByArgument {}

/// `gantry webhooks APP`: an app's webhooks.
struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "List an app's webhooks (never their secrets).")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let hooks = try await server.client().webhooks(app: app)
        if output.json { return print(try Display.json(hooks)) }
        guard !hooks.isEmpty else {
            return print("\(app) has no webhooks; add one with `gantry webhooks:add \(app) --provider github --repo URL`.")
        }
        print(WebhookDisplay.table(hooks))
    }
}

/// `gantry webhooks:add APP --provider P --repo URL`: deploy on pushes to a git server.
struct WebhooksAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks:add",
        abstract: "Deploy an app whenever a branch of a Gitea, GitHub or GitLab repository is pushed.",
        discussion: """
            Prints the payload URL and the secret to enter in the git server's webhook settings \
            (content type application/json, push events). The secret is shown only once.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Option(help: "The git server: gitea, github or gitlab.")
    var provider: WebhookProvider
    @Option(help: ArgumentHelp("The repository's clone URL (http, https, git or file), which gantryd fetches from.", valueName: "clone-url"))
    var repo: String
    @Option(help: "The branch whose pushes deploy.")
    var branch = "main"
    @Option(help: ArgumentHelp("An API token of the git server: deploys are reported as commit statuses.", valueName: "token"))
    var statusToken: String?
    @Option(help: ArgumentHelp("The git server's API base (default: derived from --repo).", valueName: "url"))
    var apiURL: String?

    func validate() throws {
        try validateAppName(app)
        do { _ = try CloneURL(repo) } catch { throw CLIError(error.description) }
        do { _ = try RefName.branch(branch) } catch { throw CLIError("invalid --branch: \(error)") }
    }

    func run() async throws {
        let created = try await server.client().createWebhook(
            app: app, CreateWebhook(provider: provider, repoURL: repo, branch: branch, statusToken: statusToken, apiURL: apiURL))
        if output.json { return print(try Display.json(["url": created.url, "secret": created.secret])) }
        print(WebhookDisplay.created(created))
    }
}

/// `gantry webhooks:remove APP ID`.
struct WebhooksRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks:remove", abstract: "Remove a webhook and its deliveries.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "The webhook's id, as `gantry webhooks APP` lists it.")
    var id: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        try await server.client().removeWebhook(app: app, id: id)
        print("Removed webhook \(id) of \(app).")
    }
}

/// `gantry webhooks:deliveries APP`.
struct WebhooksDeliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks:deliveries", abstract: "List the latest pushes an app's webhooks delivered and what became of them.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The most deliveries to list (1 to 1000; default 100).")
    var limit: Int?
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws {
        try validateAppName(app)
        if let limit, !(1...1000).contains(limit) { throw CLIError("invalid --limit \(limit): use a number from 1 to 1000") }
    }

    func run() async throws {
        let deliveries = try await server.client().webhookDeliveries(app: app, limit: limit)
        if output.json { return print(try Display.json(deliveries)) }
        guard !deliveries.isEmpty else { return print("No deliveries to \(app)'s webhooks yet.") }
        print(WebhookDisplay.deliveries(deliveries))
    }
}
