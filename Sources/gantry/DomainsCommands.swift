import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry domains APP`.
struct Domains: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "domains", abstract: "List the host names an app is served at.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let domains = try await server.client().domains(app: app)
        if output.json { return print(try Display.json(domains)) }
        print(DomainDisplay.table(domains))
    }
}

/// `gantry domains:add APP DOMAIN…`.
struct DomainsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains:add",
        abstract: "Serve an app at custom domains too (no redeploy).",
        discussion: """
            Point each domain's DNS at this server first (an A/AAAA record, or a CNAME to its host \
            name). A wildcard *.example.com serves every name one label below example.com. A domain \
            belongs to one app.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "Domains such as www.example.com or *.example.com (international names in punycode).")
    var domains: [String]

    func validate() throws {
        try validateAppName(app)
        guard !domains.isEmpty else { throw CLIError("name at least one domain, such as www.example.com") }
        for domain in domains {
            do { _ = try DomainName(domain) } catch { throw CLIError(error.description) }
        }
    }

    func run() async throws {
        let after = try await server.client().addDomains(app: app, domains)
        if output.json { return print(try Display.json(after)) }
        print("\(app) is now served at: \(after.domains.map(\.name.rawValue).joined(separator: ", ")) (and \(after.defaultHost)).")
    }
}

/// `gantry domains:remove APP DOMAIN`.
struct DomainsRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "domains:remove", abstract: "Stop serving an app at a custom domain.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String
    @Argument(help: "The domain, as `gantry domains APP` lists it.")
    var domain: String

    func validate() throws {
        try validateAppName(app)
        do { _ = try DomainName(domain) } catch { throw CLIError(error.description) }
    }

    func run() async throws {
        try await server.client().removeDomain(app: app, domain)
        print("\(app) is no longer served at \(domain.lowercased()).")
    }
}
