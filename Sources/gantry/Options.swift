import ArgumentParser
import Foundation
import GantryClient
import GantryCore

/// `--server`, shared by every command that talks to gantryd.
struct ServerOptions: ParsableArguments {
    /// The URL used when neither `--server` nor `GANTRY_URL` is given.
    static let defaultURL = "http://127.0.0.1:8080"

    @Option(help: ArgumentHelp(
        "gantryd's URL (default: $GANTRY_URL, else \(defaultURL)).", valueName: "url"))
    var server: String?

    /// `--server`, else `GANTRY_URL`, else the default; without a trailing slash.
    var url: String {
        var url = server ?? ProcessInfo.processInfo.environment["GANTRY_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    func validate() throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
              parsed.host?.isEmpty == false else {
            throw CLIError("invalid server URL '\(url)': use http://HOST:PORT in --server or GANTRY_URL")
        }
    }

    /// An API client for this server, with the token from `GANTRY_TOKEN` or the token file.
    /// - Throws: `TokenStoreError` when the token file exists but cannot be read.
    func client() throws -> GantryAPIClient {
        GantryAPIClient(server: url, token: try TokenStore.currentToken())
    }
}

/// `--json`, for commands that print API values.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the API's JSON (pretty, keys sorted) instead of text.")
    var json = false
}

/// Checks an app name argument the way gantryd will, before any request.
/// - Throws: `CLIError` with `InvalidAppName`'s one-line explanation.
func validateAppName(_ name: String) throws {
    do { _ = try AppName(name) } catch { throw CLIError(error.description) }
}

/// Checks a user name argument the way gantryd will, before any request.
/// - Throws: `CLIError` with `InvalidUserName`'s one-line explanation.
func validateUserName(_ name: String) throws {
    do { _ = try UserName(name) } catch { throw CLIError(error.description) }
}

/// A release version argument (`v12` or `12`), checked before any request.
/// - Throws: `CLIError` saying how to write one.
func parseReleaseVersion(_ text: String) throws(CLIError) -> Int {
    guard let parsed = ReleaseVersion.parse(text) else {
        throw CLIError("invalid release version '\(text.prefix(40))': use vN or N, such as v12")
    }
    return parsed
}
