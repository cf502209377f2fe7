import Foundation
import GantryCore
import GantryHTTP
import Logging

/// Reports a webhook deploy's progress back to the git server as a commit status, when the
/// webhook has a status token: GitHub and Gitea `POST {api}/repos/OWNER/REPO/statuses/SHA`,
/// GitLab `POST {api}/projects/URL-ENCODED-PATH/statuses/SHA`. Transient failures (no
/// connection, 429, 5xx) are retried with exponential backoff; every failure is logged and
/// none stops the deploy.
struct CommitStatusReporter: Sendable {
    /// A commit status, in Gantry's words.
    enum State: String, Sendable {
        case pending, success, failure
    }

    let http: HTTPClient
    let logger: Logger
    /// How many times a request is tried.
    var attempts = 4
    /// The wait before the second try; doubled before each later one.
    var backoff: Duration = .milliseconds(500)

    /// Sends one status; returns whether the git server accepted it.
    @discardableResult
    func report(_ state: State, of commit: ObjectID, hook: Webhook, token: String, description: String) async -> Bool {
        let request: HTTPRequest
        do {
            request = try Self.request(state, of: commit, hook: hook, token: token, description: description)
        } catch {
            logger.warning("commit status of \(hook.app) \(commit.short) not sent: \(error)")
            return false
        }
        var wait = backoff
        for attempt in 1...attempts {
            let failure: String
            do {
                let response = try await http.perform(request)
                if response.isSuccess { return true }
                failure = "HTTP \(response.status): \(response.bodyText.prefix(200))"
                guard response.status == 429 || response.status >= 500 else { break }
            } catch {
                failure = error.description
            }
            logger.warning("commit status \(state.rawValue) of \(hook.app) \(commit.short) (try \(attempt) of \(attempts)): \(failure)")
            if attempt < attempts {
                try? await Task.sleep(for: wait)
                wait *= 2
            }
        }
        logger.error("gave up reporting commit status \(state.rawValue) of \(hook.app) \(commit.short) to \(request.url)")
        return false
    }

    /// The provider's API request for one status.
    /// - Throws: `CommitStatusError` when no API URL is known for the webhook.
    static func request(_ state: State, of commit: ObjectID, hook: Webhook, token: String, description: String) throws(CommitStatusError) -> HTTPRequest {
        var base = try apiBase(of: hook)
        while base.hasSuffix("/") { base.removeLast() }
        let repository = hook.repoURL.repositoryPath
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json"]
        let url: String
        var body: [String: String] = ["description": String(description.prefix(140))]
        switch hook.provider {
        case .github, .gitea:
            url = "\(base)/repos/\(repository)/statuses/\(commit.hex)"
            body["state"] = state.rawValue
            body["context"] = "gantry"
            headers["Authorization"] = hook.provider == .github ? "Bearer \(token)" : "token \(token)"
        case .gitlab:
            let project = repository.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? repository
            url = "\(base)/projects/\(project)/statuses/\(commit.hex)"
            body["state"] = state == .failure ? "failed" : state.rawValue
            body["name"] = "gantry"
            headers["PRIVATE-TOKEN"] = token
        }
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return HTTPRequest(method: .post, url: url, headers: headers, body: Array(json), timeout: .seconds(10))
    }

    /// `--api-url`, else derived from the clone URL: github.com → https://api.github.com,
    /// another GitHub host → https://HOST/api/v3, Gitea → https://HOST/api/v1, GitLab →
    /// https://HOST/api/v4 (http and the port kept for an http clone URL).
    static func apiBase(of hook: Webhook) throws(CommitStatusError) -> String {
        if let apiURL = hook.apiURL { return apiURL }
        let url = hook.repoURL
        guard !url.host.isEmpty, url.scheme != "file" else { throw CommitStatusError(hook: hook) }
        if hook.provider == .github && url.host == "github.com" { return "https://api.github.com" }
        let origin = url.scheme == "http" ? "http://\(url.host)" + (url.port.map { ":\($0)" } ?? "") : "https://\(url.host)"
        switch hook.provider {
        case .github: return origin + "/api/v3"
        case .gitea: return origin + "/api/v1"
        case .gitlab: return origin + "/api/v4"
        }
    }
}

/// No API URL is known for a webhook's commit statuses.
struct CommitStatusError: Error, CustomStringConvertible {
    let hook: Webhook
    var description: String {
        "no API URL can be derived from \(hook.repoURL); recreate webhook \(hook.id) with --api-url"
    }
}
