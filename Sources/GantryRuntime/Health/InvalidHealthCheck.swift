/// An app.json health check Gantry refuses, naming the field and saying what to write instead.
public struct InvalidHealthCheck: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where in app.json: `healthchecks.web[0].timeout`.
    public var field: String
    /// What is wrong with it: `-1 is negative; write whole seconds from 1 to 600`.
    public var reason: String

    /// Creates the error.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `app.json healthchecks.web[0].timeout: -1 is negative; …`.
    public var description: String { "app.json \(field): \(reason)" }
}
