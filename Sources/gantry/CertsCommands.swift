import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry certs APP`.
struct Certs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "Show the certificate an app is served with over HTTPS.",
        discussion: """
            When gantryd runs with an ACME directory, every app gets a certificate for its domains \
            by itself (renewed two thirds into its lifetime); this shows where that stands, with \
            the CA's last error. A certificate added with `certs:add` replaces the automatic one.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let certificates = try await server.client().certificates(app: app)
        if output.json { return print(try Display.json(certificates)) }
        if let certificate = certificates.certificate {
            print(DomainDisplay.certificate(certificate))
        } else if certificates.automatic == nil {
            print("\(app) has no certificate; add one with `gantry certs:add \(app) --cert chain.pem --key key.pem`.")
        }
        if let automatic = certificates.automatic {
            if certificates.certificate != nil { print("") }
            print("Automatic certificate (ACME):")
            print(DomainDisplay.automatic(automatic))
        }
    }
}

/// `gantry certs:add APP --cert chain.pem --key key.pem`.
struct CertsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs:add",
        abstract: "Serve an app's domains over HTTPS with a certificate of your own.",
        discussion: """
            The certificate file holds the site's certificate first, then its issuers (what a CA \
            calls the full chain); the key file its unencrypted private key. They are refused \
            unless the key matches, the certificate is valid now and covers at least one of the \
            app's domains (add them first: `gantry domains:add`). Replaces the app's certificate.
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The app's name.")
    var app: String
    @Option(help: ArgumentHelp("The certificate chain, PEM.", valueName: "chain.pem"))
    var cert: String
    @Option(help: ArgumentHelp("Its private key, PEM.", valueName: "key.pem"))
    var key: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        let chain = try Self.read(cert, "--cert")
        let privateKey = try Self.read(key, "--key")
        let added = try await server.client().addCertificate(app: app, chain: chain, key: privateKey)
        if output.json { return print(try Display.json(added)) }
        print("\(app) is served over HTTPS at \(added.covers.joined(separator: ", ")) with this certificate:")
        print(DomainDisplay.certificate(added))
    }

    private static func read(_ path: String, _ option: String) throws -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? Int else {
            throw CLIError("cannot read \(option) \(path)")
        }
        guard size <= 128 << 10, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("\(option) \(path) is not a PEM file of at most 128 KiB")
        }
        return text
    }
}

/// `gantry certs:remove APP`.
struct CertsRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "certs:remove", abstract: "Stop serving an app's domains over HTTPS.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The app's name.")
    var app: String

    func validate() throws { try validateAppName(app) }

    func run() async throws {
        try await server.client().removeCertificate(app: app)
        print("\(app) has no certificate any more; its domains are served over plain HTTP only.")
    }
}
