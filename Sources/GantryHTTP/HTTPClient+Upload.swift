extension HTTPClient {
    /// Sends `request` with the content of the file at `bodyFile` as its body, read as it is
    /// sent (never whole in memory), `Content-Length` its size; `request.body` is ignored.
    /// Otherwise as `perform(_:)`: the method is the request's (PUT, POST, PATCH).
    ///
    /// A file shorter than when it was opened makes libcurl fail the transfer.
    /// - Returns: the response, whatever its status.
    /// - Throws: `HTTPClientError.invalidRequest` when the file cannot be opened; the errors of
    ///   `perform(_:)`.
    public func upload(_ request: HTTPRequest, bodyFile: String) async throws(HTTPClientError) -> HTTPResponse {
        try await perform(request, sink: nil, bodyFile: bodyFile)
    }
}
