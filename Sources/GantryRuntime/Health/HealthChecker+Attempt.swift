import GantryHTTP

extension HealthChecker {
    enum AttemptOutcome {
        case passed
        case failed(String)
        /// Nothing listens on the port yet: asking again costs next to nothing.
        case refused(String)
        case cancelled
    }

    /// One `GET`: passes when the status is accepted and the body holds the check's `content`.
    func attempt(_ check: HealthCheckPolicy.Check, url: String, port: Int, timeout: Duration) async -> AttemptOutcome {
        let request = HTTPRequest(method: .get, url: url, headers: ["Accept": "*/*"], timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await client.perform(request)
        } catch .cancelled {
            return .cancelled
        } catch .cannotConnect(_, let detail) where !detail.localizedLowercase.contains("time") {
            return .refused(Self.describe(.cannotConnect(url: url, detail: detail), path: check.path, port: port, timeout: timeout))
        } catch {
            return .failed(Self.describe(error, path: check.path, port: port, timeout: timeout))
        }
        let answered = "GET \(check.path) answered \(response.status)"
        guard check.acceptedStatuses.contains(response.status) else {
            return .failed(answered + Self.excerpt(of: response))
        }
        if let content = check.content, !response.bodyText.contains(content) {
            return .failed("\(answered) without \"\(content)\" in its body" + Self.excerpt(of: response))
        }
        return .passed
    }

    /// Why an attempt got no answer, in words that point at the likely fix.
    static func describe(_ error: HTTPClientError, path: String, port: Int, timeout: Duration) -> String {
        switch error {
        case .cannotConnect(_, let detail) where detail.localizedLowercase.contains("time"):
            "no connection to port \(port) within \(timeout.spoken)"
        case .cannotConnect:
            "connection refused on port \(port) (is the app listening on 0.0.0.0:$PORT? 127.0.0.1 is the container's own loopback)"
        case .timedOut:
            "GET \(path) did not answer within \(timeout.spoken)"
        case .responseTooLarge(_, let limit):
            "GET \(path) answered with a body over \(limit) bytes"
        case .invalidRequest(_, let detail), .transferFailed(_, _, let detail):
            "GET \(path) failed: \(detail)"
        case .cancelled:
            "GET \(path) was cancelled"
        }
    }

    /// `: ` and the start of the body on one line, or nothing for an empty body.
    static func excerpt(of response: HTTPResponse, limit: Int = 120) -> String {
        let text = response.bodyText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !text.isEmpty else { return "" }
        return ": " + (text.count > limit ? text.prefix(limit) + "…" : text)
    }
}
