/// The HTTP layer (`HTTPClient`, `HTTPRequest`, `HTTPResponse`, `HTTPClientError`) lives in
/// `GantryHTTP`, shared with gantryd's outbound requests; `import GantryClient` brings it along.
@_exported import GantryHTTP
