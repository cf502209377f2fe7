import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry keys`: the SSH keys allowed to push.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "List the SSH keys allowed to push over SSH.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let keys = try await server.client().sshKeys()
        if output.json { return print(try Display.json(keys)) }
        guard !keys.isEmpty else { return print("No SSH keys yet; add one with `gantry keys:add NAME ~/.ssh/id_ed25519.pub`.") }
        let now = Date()
        print(TextTable.render(
            headers: ["NAME", "USER", "TYPE", "FINGERPRINT", "ADDED"],
            rows: keys.map {
                [$0.name.rawValue, $0.user?.rawValue ?? "-", $0.type, $0.fingerprint, RelativeTime.describe($0.createdAt, relativeTo: now)]
            }))
    }
}

/// `gantry keys:add NAME FILE.pub`.
struct KeysAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys:add", abstract: "Allow an SSH public key to push over SSH; its name says who pushed.",
        discussion: """
            Pushes with the key may do what its user may: yours, or with --user (admins only)             another user's. Supported key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521 (make             one with `ssh-keygen -t ed25519`).
            """)

    @OptionGroup var server: ServerOptions
    @Argument(help: "The key's name: 1 to 64 letters, digits, '.', '_', '-' and '@' (such as alice or alice@laptop).")
    var name: String
    @Argument(help: ArgumentHelp("The public key file, such as ~/.ssh/id_ed25519.pub.", valueName: "file.pub"))
    var file: String
    @Option(help: ArgumentHelp("Whose key it is (default: yours; admins may name another user).", valueName: "user"))
    var user: String?

    func validate() throws {
        do { _ = try KeyName(name) } catch { throw CLIError(error.description) }
        if let user { try validateUserName(user) }
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError("cannot read \(file); give the path of a public key such as ~/.ssh/id_ed25519.pub")
        }
        guard data.count <= 16 << 10, let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(file) is not an SSH public key (.pub) file")
        }
        let key = try await server.client().addSSHKey(name: name, publicKey: text, user: user)
        print("Added SSH key \(key.name) (\(key.type) \(key.fingerprint))" + (key.user.map { " of \($0)" } ?? "") + ".")
        let host = URL(string: server.url)?.host ?? "HOST"
        print("Push with: git remote add gantry ssh://git@\(host):2222/APP.git && git push gantry main")
    }
}

/// `gantry keys:remove NAME`.
struct KeysRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys:remove", abstract: "Remove an SSH key: it can no longer push, even on a connection already open.")

    @OptionGroup var server: ServerOptions
    @Argument(help: "The key's name, as `gantry keys` lists it.")
    var name: String

    func validate() throws {
        do { _ = try KeyName(name) } catch { throw CLIError(error.description) }
    }

    func run() async throws {
        try await server.client().removeSSHKey(name)
        print("Removed SSH key \(name).")
    }
}
