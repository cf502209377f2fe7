extension DockerEngine {
    /// `POST /networks/create` of a Swarm-scoped `bridge` network: each node gets a Linux
    /// bridge of that name's ID (`br-…`) with `subnet`, and a service's tasks on it are
    /// reachable from their node's host at their container address — what Gantry's router
    /// uses, since Swarm's ingress mesh needs IPVS, and an overlay's addresses are reachable
    /// only from inside the overlay. Measured from the host on dockerd 20.10: tasks on such a
    /// network (172.19.0.x) and on the default `bridge` (no network, 172.17.0.x) answer at their
    /// container address; an overlay's task addresses (10.0.1.x) do not (the route leaves by
    /// eth0, where this VM's transparent proxy answered an empty 200: check who answers); their
    /// `docker_gwbridge` addresses (172.18.0.x) do, but only `GET /networks/docker_gwbridge`
    /// lists them, not the task or the container.
    /// - Returns: the network's ID; the existing one's when a network of that name exists.
    /// - Throws: `EngineError`.
    public func createBridgeNetwork(_ name: String, subnet: String? = nil, labels: [String: String] = [:]) async throws(EngineError) -> String {
        if let existing = try await networkID(named: name) { return existing }
        struct Request: Encodable {
            let name: String, labels: [String: String], subnet: String?
            enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", scope = "Scope", labels = "Labels", ipam = "IPAM", checkDuplicate = "CheckDuplicate" }
            enum IPAMKeys: String, CodingKey { case config = "Config" }
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode("bridge", forKey: .driver)
                try container.encode("swarm", forKey: .scope)
                try container.encode(labels, forKey: .labels)
                try container.encode(true, forKey: .checkDuplicate)
                if let subnet {
                    var ipam = container.nestedContainer(keyedBy: IPAMKeys.self, forKey: .ipam)
                    try ipam.encode([["Subnet": subnet]], forKey: .config)
                }
            }
        }
        struct Created: Decodable {
            let id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let body = try await send(
            .post, "/networks/create", body: encode(Request(name: name, labels: labels, subnet: subnet)),
            operation: "create network \(name)")
        return try decode(Created.self, from: body, operation: "network create").id
    }

    /// `GET /networks/{name}`: the network's ID, nil when there is none.
    /// - Throws: `EngineError`.
    public func networkID(named name: String) async throws(EngineError) -> String? {
        struct Network: Decodable {
            let id: String, name: String
            enum CodingKeys: String, CodingKey { case id = "Id", name = "Name" }
        }
        do {
            let body = try await send(.get, "/networks/\(DockerEngine.escape(name))", operation: "inspect network \(name)")
            let network = try decode(Network.self, from: body, operation: "network inspect")
            return network.name == name ? network.id : nil
        } catch where error.isNotFound {
            return nil
        }
    }

    /// `DELETE /networks/{name}`.
    /// - Returns: false when there was no such network.
    /// - Throws: `EngineError` (still in use by a task: 403 or 409 with the engine's message).
    @discardableResult
    public func removeNetwork(_ name: String) async throws(EngineError) -> Bool {
        do {
            _ = try await send(.delete, "/networks/\(DockerEngine.escape(name))", operation: "remove network \(name)")
            return true
        } catch where error.isNotFound {
            return false
        }
    }
}
