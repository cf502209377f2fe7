import struct Foundation.Date

/// An app: one bare repository, its builds and (later) its releases.
public struct App: Hashable, Sendable, Codable {
    public var name: AppName
    public var createdAt: Date

    public init(name: AppName, createdAt: Date) {
        self.name = name
        self.createdAt = createdAt
    }
}
