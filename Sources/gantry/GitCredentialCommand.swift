import ArgumentParser
import GantryClient

/// `gantry git-credential get|store|erase`: git's credential helper, run by git itself.
struct GitCredentialHelper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-credential",
        abstract: "git credential helper: answers `get` with the saved API token.",
        shouldDisplay: false)

    @Argument(help: "The action git asks for: get, store or erase (only get answers).")
    var action: String

    func run() {
        // git writes its request (key=value lines, then a blank line); read it so git never
        // meets a closed pipe, but answer from the token alone: the helper is set per server.
        var bytesRead = 0
        while let line = readLine(strippingNewline: true), !line.isEmpty, bytesRead < 65_536 {
            bytesRead += line.utf8.count + 1
        }
        guard action == "get" else { return }
        let token: String?
        do { token = try TokenStore.currentToken() } catch {
            Terminal.error(error.description)
            return
        }
        print(GitCredential.answer(action: action, token: token), terminator: "")
    }
}
