import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `gantry login`: saves an API token and makes `git push` to the server use it.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Save an API token and let git push to this server use it.",
        discussion: """
            Without --token, reads the admin token gantryd wrote on its first start \
            (DIR/admin-token). The token is checked against the server (`gantry whoami`), saved to \
            $XDG_CONFIG_HOME/gantry/token (else ~/.config/gantry/token, mode 0600), and \
            `gantry git-credential` becomes git's credential helper for the server's URL.
            """)

    @OptionGroup var server: ServerOptions
    @Option(help: ArgumentHelp(
        "The API token to save (default: gantryd's admin token from its data directory).", valueName: "token"))
    var token: String?
    @Option(help: ArgumentHelp(
        "gantryd's data directory, where its admin-token file is (default: $GANTRY_DATA_DIR, else ./.gantry).",
        valueName: "dir"))
    var dataDir: String?

    func validate() throws {
        if let token, token.isEmpty || token.contains(where: \.isWhitespace) {
            throw CLIError("invalid --token: a token is one word without spaces")
        }
    }

    func run() async throws {
        let token = try token ?? readAdminToken()
        let client = GantryAPIClient(server: server.url, token: token)
        let me: WhoAmI
        do {
            me = try await client.whoami()
        } catch .notAuthenticated {
            throw CLIError("gantryd at \(client.server) does not accept this token (unknown, revoked or expired); pass a valid one with --token TOKEN")
        }
        let store = TokenStore.standard()
        try store.save(token)
        try await GitSetup.useCredentialHelper(for: client.server)
        print("Logged in to \(client.server) as \(me.user.name) (\(me.user.role.rawValue)); token saved to \(store.path).")
        print("git push to \(client.server) now authenticates through `gantry git-credential`.")
        if let environmentToken = ProcessInfo.processInfo.environment["GANTRY_TOKEN"], !environmentToken.isEmpty,
           environmentToken != token {
            print("Note: GANTRY_TOKEN is set in this shell and takes precedence over the saved token.")
        }
    }

    /// The admin token from `--data-dir`, `$GANTRY_DATA_DIR` or `./.gantry`.
    private func readAdminToken() throws(CLIError) -> String {
        let environment = ProcessInfo.processInfo.environment
        let directory = dataDir ?? environment["GANTRY_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".gantry"
        let root = URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
        let path = DataDirectory(root: root).adminToken
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("no admin token at \(path); start gantryd there first (`make run`), or pass --data-dir DIR or --token TOKEN")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CLIError("\(path) is empty; pass --token TOKEN") }
        return token
    }
}
