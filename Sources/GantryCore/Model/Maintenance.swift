import Foundation

/// An app in maintenance mode (`gantry maintenance:on`): the router answers its requests with
/// 503 and a short page, while its processes keep running (the release phase and `gantry run`
/// still work).
public struct Maintenance: Hashable, Sendable, Codable {
    /// What the page says; `nil`: the default text.
    public var message: MaintenanceMessage?
    public var since: Date
    /// Who turned it on.
    public var by: String

    public init(message: MaintenanceMessage?, since: Date, by: String) {
        self.message = message
        self.since = since
        self.by = by
    }
}

/// The text of a maintenance page: 1 to 500 bytes of printable UTF-8 on one line.
public struct MaintenanceMessage: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let maximumBytes = 500
    public let rawValue: String

    /// - Throws: `InvalidMaintenanceMessage` saying what is wrong.
    public init(_ text: String) throws(InvalidMaintenanceMessage) {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw InvalidMaintenanceMessage(reason: "it is empty") }
        guard text.utf8.count <= Self.maximumBytes else {
            throw InvalidMaintenanceMessage(reason: "it has \(text.utf8.count) bytes; the most is \(Self.maximumBytes)")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            throw InvalidMaintenanceMessage(reason: "it holds a control character (one line of plain text only)")
        }
        rawValue = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Self(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}

public struct InvalidMaintenanceMessage: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid maintenance message: \(reason)" }
}

/// `GET /api/v1/apps/NAME/maintenance`: whether the app is in maintenance and since when.
public struct AppMaintenance: Hashable, Sendable, Codable {
    public var maintenance: Maintenance?

    public init(maintenance: Maintenance?) { self.maintenance = maintenance }
}

/// Body of `PUT /api/v1/apps/NAME/maintenance`.
public struct MaintenanceRequest: Hashable, Sendable, Codable {
    public var message: MaintenanceMessage?

    public init(message: MaintenanceMessage? = nil) { self.message = message }
}
