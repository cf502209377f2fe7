/// A Swarm service as the engine reports it (`GET /services/{id}`).
public struct Service: Decodable, Hashable, Sendable {
    /// The service's ID.
    public var id: String
    /// The object version; an update must name it (optimistic concurrency).
    public var version: Int
    /// The current spec (after a rollback: the spec rolled back to).
    public var spec: ServiceSpec
    /// The spec before the last update, if any.
    public var previousSpec: ServiceSpec?
    /// The state of the last update or rollback; nil when the service was never updated.
    public var updateStatus: UpdateStatus?

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", spec = "Spec", previousSpec = "PreviousSpec", updateStatus = "UpdateStatus"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        version = try container.decode(ObjectVersion.self, forKey: .version).index
        spec = try container.decode(ServiceSpec.self, forKey: .spec)
        previousSpec = try container.decodeIfPresent(ServiceSpec.self, forKey: .previousSpec)
        updateStatus = try container.decodeIfPresent(UpdateStatus.self, forKey: .updateStatus)
    }

    /// `UpdateStatus`: `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`,
    /// `rollback_completed`.
    public struct UpdateStatus: Decodable, Hashable, Sendable {
        /// The state, as the engine spells it.
        public var state: String
        /// When the update began (RFC 3339), if reported.
        public var startedAt: String?
        /// When it finished, if it did.
        public var completedAt: String?
        /// The engine's message (`update rolled back due to failure or early termination of task …`).
        public var message: String

        /// Creates a status (for tests of convergence).
        public init(state: String, startedAt: String? = nil, completedAt: String? = nil, message: String = "") {
            self.state = state
            self.startedAt = startedAt
            self.completedAt = completedAt
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case state = "State", startedAt = "StartedAt", completedAt = "CompletedAt", message = "Message"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            state = try container.decodeIfPresent(String.self, forKey: .state) ?? ""
            startedAt = try container.decodeIfPresent(String.self, forKey: .startedAt)
            completedAt = try container.decodeIfPresent(String.self, forKey: .completedAt)
            message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        }
    }
}

/// `{"Index": N}`.
struct ObjectVersion: Decodable {
    let index: Int
    enum CodingKeys: String, CodingKey { case index = "Index" }
}
