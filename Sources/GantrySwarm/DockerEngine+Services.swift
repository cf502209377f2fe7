import GantryHTTP

extension DockerEngine {
    /// `POST /services/create`.
    /// - Returns: the new service's ID.
    /// - Throws: `EngineError.refused` (a name in use: 409; not a manager: 503), `EngineError.unreachable`.
    public func createService(_ spec: ServiceSpec) async throws(EngineError) -> String {
        struct Created: Decodable {
            let id: String
            enum CodingKeys: String, CodingKey { case id = "ID" }
        }
        let body = try await send(.post, "/services/create", body: encode(spec), operation: "create service \(spec.name)")
        return try decode(Created.self, from: body, operation: "service create").id
    }

    /// `GET /services/{name}`: the service called `name` (or with that ID).
    /// - Returns: nil when there is none.
    /// - Throws: `EngineError`.
    public func service(named name: String) async throws(EngineError) -> Service? {
        do {
            let body = try await send(.get, "/services/" + DockerEngine.escape(name), operation: "inspect service \(name)")
            return try decode(Service.self, from: body, operation: "service inspect")
        } catch where error.isNotFound {
            return nil
        }
    }

    /// `GET /services?filters={"label":[…]}`: the services carrying every label of `labels`
    /// (`[ServiceSpec.Label.app: "shop"]`; an empty value matches any value of that label).
    /// - Throws: `EngineError`.
    public func services(labeled labels: [String: String]) async throws(EngineError) -> [Service] {
        let selectors = labels.sorted { $0.key < $1.key }.map { $0.value.isEmpty ? $0.key : "\($0.key)=\($0.value)" }
        let body = try await send(
            .get, "/services", query: [("filters", DockerEngine.filters(["label": selectors]))], operation: "list services")
        return try decode([Service].self, from: body, operation: "service list")
    }

    /// `POST /services/{id}/update?version=N`: replaces `service`'s spec with `spec`. Returns
    /// once Swarm accepted it; `waitForConvergence(of:)` waits for the rollout.
    /// - Parameter service: the service as last inspected: its version must still be current.
    /// - Returns: what `waitForConvergence(of:)` needs to tell this update from earlier ones.
    /// - Throws: `EngineError.refused` (another update came first: "update out of sequence"), `EngineError.unreachable`.
    @discardableResult
    public func updateService(_ service: Service, to spec: ServiceSpec) async throws(EngineError) -> ServiceUpdate {
        _ = try await send(
            .post, "/services/\(service.id)/update", query: [("version", String(service.version))], body: encode(spec),
            operation: "update service \(service.spec.name)")
        return ServiceUpdate(serviceID: service.id, name: spec.name, previousStatus: service.updateStatus)
    }

    /// `DELETE /services/{name}`: removes the service; Swarm stops and removes its tasks' containers.
    /// - Returns: false when there was no such service.
    /// - Throws: `EngineError`.
    @discardableResult
    public func removeService(_ name: String) async throws(EngineError) -> Bool {
        do {
            _ = try await send(.delete, "/services/" + DockerEngine.escape(name), operation: "remove service \(name)")
            return true
        } catch where error.isNotFound {
            return false
        }
    }

    /// `GET /tasks?filters={"service":[id]}`: every task of the service, current and past
    /// (Swarm keeps a few replaced ones per slot).
    /// - Throws: `EngineError`.
    public func tasks(ofService serviceID: String) async throws(EngineError) -> [SwarmTask] {
        let body = try await send(
            .get, "/tasks", query: [("filters", DockerEngine.filters(["service": [serviceID]]))], operation: "list tasks")
        return try decode([SwarmTask].self, from: body, operation: "task list").filter { $0.serviceID == serviceID }
    }

    /// `GET /containers/{id}/json`: a task's container on this node (health, addresses).
    /// - Returns: nil when there is no such container (removed meanwhile, or on another node).
    /// - Throws: `EngineError`.
    public func container(_ id: String) async throws(EngineError) -> ContainerDetails? {
        do {
            let body = try await send(.get, "/containers/\(DockerEngine.escape(id))/json", operation: "inspect container \(id)")
            return try decode(ContainerDetails.self, from: body, operation: "container inspect")
        } catch where error.isNotFound {
            return nil
        }
    }
}

/// An update Swarm accepted, for `DockerEngine.waitForConvergence(of:)`.
public struct ServiceUpdate: Hashable, Sendable {
    /// The service's ID.
    public var serviceID: String
    /// Its name.
    public var name: String
    /// The update status before this update: a wait ignores it, so that the rollback of an
    /// earlier update is not mistaken for this one's.
    public var previousStatus: Service.UpdateStatus?

    /// Creates one (a freshly created service: no earlier status).
    public init(serviceID: String, name: String, previousStatus: Service.UpdateStatus? = nil) {
        self.serviceID = serviceID
        self.name = name
        self.previousStatus = previousStatus
    }
}
