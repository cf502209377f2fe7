import NIOCore

/// One running web process that an app's traffic can be sent to.
///
/// The deploy registers a backend per healthy `web` process (its container id and the
/// `127.0.0.1` port it listens on) and takes it out again before stopping the process.
public struct Backend: Hashable, Sendable, CustomStringConvertible {
    /// A name unique across all apps, usually the container id (`hello-web.1-v4`).
    public var id: String
    /// The address the process listens on; an IP literal connects without a name lookup.
    public var host: String
    /// The TCP port the process listens on (its `PORT`).
    public var port: Int
    /// The release the process runs (`8` for v8), which its requests are counted under
    /// (``RequestRecord/release``); `nil` when unknown.
    public var release: Int?

    /// Describes a backend; `host` defaults to the loopback address web processes bind to.
    public init(id: String, host: String = "127.0.0.1", port: Int, release: Int? = nil) {
        self.id = id
        self.host = host
        self.port = port
        self.release = release
    }

    public var description: String { "\(id) (\(host):\(port))" }
}

/// What a drain observed: see ``Router/drain(backendID:timeout:)``.
public struct DrainResult: Hashable, Sendable, CustomStringConvertible {
    /// Requests the backend was still serving when the drain began.
    public var inFlightAtStart: Int
    /// Requests still running when the drain returned: 0 unless it timed out.
    public var remaining: Int

    /// Whether the timeout passed before every request finished.
    public var timedOut: Bool { remaining > 0 }

    /// Records a drain's outcome.
    public init(inFlightAtStart: Int, remaining: Int) {
        self.inFlightAtStart = inFlightAtStart
        self.remaining = remaining
    }

    public var description: String {
        let drained = "drained \(inFlightAtStart) in-flight request\(inFlightAtStart == 1 ? "" : "s")"
        return timedOut ? "\(drained), \(remaining) still running at the timeout" : drained
    }
}
