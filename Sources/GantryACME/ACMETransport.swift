import GantryHTTP

/// What carries the client's requests: `HTTPClient` (libcurl), or a scripted fake in tests.
protocol ACMETransport: Sendable {
    /// Sends `request`; any status is an answer.
    func perform(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse
}

extension HTTPClient: ACMETransport {}
