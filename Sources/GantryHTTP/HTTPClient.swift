import Foundation
import GantryCore

/// A small HTTP client over libcurl, for the CLI and for gantryd's own outgoing requests
/// (health checks, webhook callbacks). Knows nothing of Gantry's API.
///
/// Each request gets its own easy handle and runs on its own thread: `curl_easy_perform`
/// blocks, so it never runs on Swift's cooperative pool. Only `http` and `https` URLs are
/// accepted, redirects are not followed, and loopback hosts never go through a proxy.
public struct HTTPClient: Sendable {
    /// Limits and identity applied to every request.
    public struct Configuration: Hashable, Sendable {
        /// How long to wait for the TCP (and TLS) connection. Default 5 s.
        public var connectTimeout: Duration
        /// How long the whole exchange may take, unless the request sets its own. Default 30 s.
        public var timeout: Duration
        /// The largest body accepted; a larger one fails with `.responseTooLarge`. Default 64 MiB.
        public var maximumResponseSize: Int
        /// The `User-Agent` header. Default `gantry/VERSION`.
        public var userAgent: String
        /// Whether the environment's proxy settings apply. Default true; false for requests
        /// that must go straight to their address (health checks of a container).
        public var usesProxy: Bool
        /// A PEM file of CA certificates that HTTPS servers are verified against instead of
        /// the system's bundle (`CURLOPT_CAINFO`): a test CA such as pebble's. Default nil, the
        /// system's bundle.
        public var caBundlePath: String?
        /// A unix socket every request is sent through instead of TCP (`CURLOPT_UNIX_SOCKET_PATH`),
        /// such as the Docker engine's `/var/run/docker.sock`; URLs keep their `http://` form
        /// (`http://localhost/v1.41/_ping`) for the request line and `Host`. Default nil, TCP.
        public var unixSocketPath: String?

        /// Creates a configuration; every argument has the default described on its property.
        public init(
            connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(30),
            maximumResponseSize: Int = 64 << 20, userAgent: String = "gantry/\(Gantry.version)", usesProxy: Bool = true,
            caBundlePath: String? = nil, unixSocketPath: String? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.maximumResponseSize = maximumResponseSize
            self.userAgent = userAgent
            self.usesProxy = usesProxy
            self.caBundlePath = caBundlePath
            self.unixSocketPath = unixSocketPath
        }
    }

    /// The limits in force.
    public var configuration: Configuration

    /// Creates a client.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends `request` and waits for the whole response.
    ///
    /// Cancelling the calling task aborts the transfer within about a second.
    /// - Returns: the response, whatever its status.
    /// - Throws: `HTTPClientError` when no complete response arrived.
    public func perform(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        try await perform(request, sink: nil)
    }

    /// Sends `request`; the body of a 2xx response goes to `sink` as it arrives (on the
    /// transfer's thread), any other body into the response, as `perform` does.
    /// - Returns: the response, its body empty for a 2xx status.
    /// - Throws: `HTTPClientError` when the exchange does not complete.
    public func stream(_ request: HTTPRequest, to sink: @escaping @Sendable ([UInt8]) -> Void) async throws(HTTPClientError) -> HTTPResponse {
        try await perform(request, sink: sink)
    }

    func perform(_ request: HTTPRequest, sink: (@Sendable ([UInt8]) -> Void)?, bodyFile: String? = nil) async throws(HTTPClientError) -> HTTPResponse {
        let flag = CancellationFlag()
        let configuration = configuration
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>) in
                let thread = Thread {
                    continuation.resume(returning: CurlTransfer.perform(request, configuration: configuration, cancellation: flag, sink: sink, bodyFile: bodyFile))
                }
                thread.name = "gantry-http"
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
        return try result.get()
    }
}
