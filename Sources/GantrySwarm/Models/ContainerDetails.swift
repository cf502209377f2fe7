/// What `GET /containers/{id}/json` says about a task's container that Gantry needs.
public struct ContainerDetails: Decodable, Hashable, Sendable {
    /// The container's ID.
    public var id: String
    /// `created`, `running`, `exited`…
    public var status: String
    /// `starting`, `healthy` or `unhealthy`; nil when the container has no healthcheck.
    public var health: String?
    /// The output of the last health probe, if any (why it is unhealthy).
    public var lastHealthOutput: String?
    /// Its address on each network it is attached to, by network name (`gantry` → `172.19.0.3`).
    public var addresses: [String: String]
    /// The container's labels (Swarm adds `com.docker.swarm.task.id` and friends).
    public var labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case id = "Id", state = "State", networkSettings = "NetworkSettings", config = "Config"
    }
    enum StateKeys: String, CodingKey { case status = "Status", health = "Health" }
    enum HealthKeys: String, CodingKey { case status = "Status", log = "Log" }
    enum ProbeKeys: String, CodingKey { case output = "Output" }
    enum SettingsKeys: String, CodingKey { case networks = "Networks" }
    enum EndpointKeys: String, CodingKey { case ipAddress = "IPAddress" }
    enum ConfigKeys: String, CodingKey { case labels = "Labels" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let state = try container.nestedContainer(keyedBy: StateKeys.self, forKey: .state)
        status = try state.decodeIfPresent(String.self, forKey: .status) ?? ""
        if state.contains(.health), (try? state.decodeNil(forKey: .health)) == false {
            let health = try state.nestedContainer(keyedBy: HealthKeys.self, forKey: .health)
            self.health = try health.decodeIfPresent(String.self, forKey: .status)
            if var log = try? health.nestedUnkeyedContainer(forKey: .log) {
                while !log.isAtEnd {
                    let probe = try log.nestedContainer(keyedBy: ProbeKeys.self)
                    lastHealthOutput = try probe.decodeIfPresent(String.self, forKey: .output)
                }
            }
        }
        addresses = [:]
        let settings = try container.nestedContainer(keyedBy: SettingsKeys.self, forKey: .networkSettings)
        if let networks = try settings.decodeIfPresent([String: Endpoint].self, forKey: .networks) {
            for (name, endpoint) in networks where !endpoint.ipAddress.isEmpty { addresses[name] = endpoint.ipAddress }
        }
        let config = try container.nestedContainer(keyedBy: ConfigKeys.self, forKey: .config)
        labels = try config.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }

    private struct Endpoint: Decodable {
        let ipAddress: String
        enum CodingKeys: String, CodingKey { case ipAddress = "IPAddress" }
        init(from decoder: Decoder) throws {
            ipAddress = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .ipAddress) ?? ""
        }
    }
}

/// `GET /version`.
public struct EngineVersion: Decodable, Hashable, Sendable {
    /// dockerd's version (`20.10.24+dfsg1`).
    public var version: String
    /// The newest API version it speaks (`1.41`).
    public var apiVersion: String
    /// The oldest API version it accepts.
    public var minimumAPIVersion: String?

    enum CodingKeys: String, CodingKey { case version = "Version", apiVersion = "ApiVersion", minimumAPIVersion = "MinAPIVersion" }
}

/// The Swarm part of `GET /info`.
public struct SwarmState: Hashable, Sendable {
    /// `inactive`, `pending`, `active`, `error`, `locked`.
    public var localNodeState: String
    /// This node's ID in the Swarm, when it is in one.
    public var nodeID: String?
    /// Whether this node is a manager (can create services).
    public var isManager: Bool
    /// The engine's error about the Swarm, if any.
    public var error: String
}

struct EngineInfo: Decodable {
    let swarm: SwarmState

    enum CodingKeys: String, CodingKey { case swarm = "Swarm" }
    enum SwarmKeys: String, CodingKey { case localNodeState = "LocalNodeState", nodeID = "NodeID", controlAvailable = "ControlAvailable", error = "Error" }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let swarm = try container.nestedContainer(keyedBy: SwarmKeys.self, forKey: .swarm)
        self.swarm = SwarmState(
            localNodeState: try swarm.decodeIfPresent(String.self, forKey: .localNodeState) ?? "",
            nodeID: try swarm.decodeIfPresent(String.self, forKey: .nodeID).flatMap { $0.isEmpty ? nil : $0 },
            isManager: try swarm.decodeIfPresent(Bool.self, forKey: .controlAvailable) ?? false,
            error: try swarm.decodeIfPresent(String.self, forKey: .error) ?? "")
    }
}
