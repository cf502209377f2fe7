import Foundation

/// The parts of `app.json` Gantry reads (Heroku's app.json schema, Dokku's healthchecks):
/// the test script and the web health checks.
public struct AppJSON: Hashable, Sendable, Decodable {
    public struct Scripts: Hashable, Sendable, Decodable {
        public var test: String?
        public var predeploy: String?
        public var postdeploy: String?
    }

    public struct Environment: Hashable, Sendable, Decodable {
        public var scripts: Scripts?
    }

    /// A health check in Dokku's format (`healthchecks.web[]`).
    public struct HealthCheck: Hashable, Sendable, Decodable {
        public var type: String?
        public var name: String?
        public var path: String?
        public var attempts: Int?
        public var timeout: Int?
        public var wait: Int?
        public var initialDelay: Int?
        public var content: String?
    }

    public var name: String?
    public var scripts: Scripts?
    public var environments: [String: Environment]?
    public var healthchecks: [String: [HealthCheck]]?

    /// The test command: `environments.test.scripts.test`, else `scripts.test`.
    public var testScript: String? {
        environments?["test"]?.scripts?.test ?? scripts?.test
    }

    /// Parses app.json's bytes.
    /// - Throws: `ManifestError.appJSON` saying where the JSON is wrong.
    public init(parsing data: Data) throws(ManifestError) {
        do {
            self = try JSONDecoder().decode(AppJSON.self, from: data)
        } catch let error as DecodingError {
            throw .appJSON(Self.describe(error))
        } catch {
            throw .appJSON("not valid JSON")
        }
    }

    /// `" around line L, column C"` of a JSON parser's message, and nothing else of it: the
    /// rest may quote the file, and app.json may come from a tree a build wrote.
    private static func position(in message: String) -> String {
        guard let range = message.range(of: "around line ") else { return "" }
        let position = message[range.lowerBound...].prefix { $0.isNumber || $0.isLetter || $0 == " " || $0 == "," }
        return " " + position.trimmingCharacters(in: .whitespaces)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            "not valid JSON" + position(in: (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String ?? "")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default:
            "\(error)"
        }
    }
}
