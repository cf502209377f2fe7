import GantryCore

/// How gantryd's HTTP door is set up.
public struct ServerConfiguration: Sendable {
    public var dataDirectory: DataDirectory
    public var host: String
    public var port: Int
    /// The most bytes one push may send.
    public var maxPushBytes: Int

    /// The default push limit: 1 GiB.
    public static let defaultMaxPushBytes = 1 << 30

    public init(dataDirectory: DataDirectory, host: String = "127.0.0.1", port: Int = 8080, maxPushBytes: Int = defaultMaxPushBytes) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.maxPushBytes = maxPushBytes
    }
}
