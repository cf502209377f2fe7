/// One task of a service (`GET /tasks`): a slot's container, current or past.
/// Named `SwarmTask` so as not to shadow Swift's `Task`.
public struct SwarmTask: Decodable, Hashable, Sendable {
    /// The task's ID.
    public var id: String
    /// The service it belongs to.
    public var serviceID: String
    /// Its slot (1…replicas); replacements of a task keep the slot.
    public var slot: Int?
    /// The node it was scheduled on.
    public var nodeID: String?
    /// The spec it was created from: equal to the service's `TaskTemplate` while current.
    public var spec: TaskSpec
    /// `new`, `pending`, `assigned`, `accepted`, `preparing`, `starting`, `running`,
    /// `complete`, `shutdown`, `failed`, `rejected`, `remove`, `orphaned`.
    public var state: String
    /// What Swarm wants it to be: `running`, `shutdown`, `remove`.
    public var desiredState: String
    /// The state's message (`started`, `starting`).
    public var message: String
    /// Why it failed (`task: non-zero exit (1)`, `No such image: …`), when it did.
    public var error: String?
    /// When it last changed state (RFC 3339).
    public var timestamp: String?
    /// Its container, once created.
    public var containerID: String?
    /// The container's exit code, once exited.
    public var exitCode: Int?
    /// Its addresses on Swarm-scoped networks with a Swarm IPAM (overlays). Empty for a
    /// swarm-scoped `bridge` network, whose addresses the node's engine assigns: read those
    /// from `DockerEngine.container(_:)`.
    public var networkAttachments: [NetworkAttachment]

    /// One network a task is attached to.
    public struct NetworkAttachment: Hashable, Sendable {
        /// The network's name.
        public var network: String
        /// Its addresses there, CIDR (`10.0.1.3/24`).
        public var addresses: [String]
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", serviceID = "ServiceID", slot = "Slot", nodeID = "NodeID", spec = "Spec", status = "Status"
        case desiredState = "DesiredState", networksAttachments = "NetworksAttachments"
    }
    enum StatusKeys: String, CodingKey {
        case timestamp = "Timestamp", state = "State", message = "Message", err = "Err", containerStatus = "ContainerStatus"
    }
    enum ContainerStatusKeys: String, CodingKey { case containerID = "ContainerID", exitCode = "ExitCode" }
    enum AttachmentKeys: String, CodingKey { case network = "Network", addresses = "Addresses" }
    enum NetworkKeys: String, CodingKey { case spec = "Spec" }
    enum NetworkSpecKeys: String, CodingKey { case name = "Name" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        serviceID = try container.decode(String.self, forKey: .serviceID)
        slot = try container.decodeIfPresent(Int.self, forKey: .slot)
        nodeID = try container.decodeIfPresent(String.self, forKey: .nodeID)
        spec = try container.decode(TaskSpec.self, forKey: .spec)
        desiredState = try container.decodeIfPresent(String.self, forKey: .desiredState) ?? ""
        let status = try container.nestedContainer(keyedBy: StatusKeys.self, forKey: .status)
        state = try status.decodeIfPresent(String.self, forKey: .state) ?? ""
        message = try status.decodeIfPresent(String.self, forKey: .message) ?? ""
        error = try status.decodeIfPresent(String.self, forKey: .err).flatMap { $0.isEmpty ? nil : $0 }
        timestamp = try status.decodeIfPresent(String.self, forKey: .timestamp)
        if status.contains(.containerStatus) {
            let containerStatus = try status.nestedContainer(keyedBy: ContainerStatusKeys.self, forKey: .containerStatus)
            containerID = try containerStatus.decodeIfPresent(String.self, forKey: .containerID).flatMap { $0.isEmpty ? nil : $0 }
            exitCode = try containerStatus.decodeIfPresent(Int.self, forKey: .exitCode)
        }
        networkAttachments = []
        if var attachments = try? container.nestedUnkeyedContainer(forKey: .networksAttachments) {
            while !attachments.isAtEnd {
                let attachment = try attachments.nestedContainer(keyedBy: AttachmentKeys.self)
                let network = try attachment.nestedContainer(keyedBy: NetworkKeys.self, forKey: .network)
                let spec = try network.nestedContainer(keyedBy: NetworkSpecKeys.self, forKey: .spec)
                networkAttachments.append(NetworkAttachment(
                    network: try spec.decodeIfPresent(String.self, forKey: .name) ?? "",
                    addresses: try attachment.decodeIfPresent([String].self, forKey: .addresses) ?? []))
            }
        }
    }

    /// Whether the task is running and meant to keep running.
    public var isRunning: Bool { state == "running" && desiredState == "running" }
}
