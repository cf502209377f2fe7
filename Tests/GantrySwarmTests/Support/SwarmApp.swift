import Foundation
import GantryHTTP
import GantrySwarm
import Testing

/// One app's web service on a Swarm-scoped bridge network of its own, made from a `TestImage`;
/// `withApp` removes the service, the network and the images whatever happens.
struct SwarmApp {
    let engine: DockerEngine
    let image: TestImage
    let network: String
    let name: String

    static func with<T>(_ engine: DockerEngine, _ body: (SwarmApp) async throws -> T) async throws -> T {
        let image = try await TestImage.load(into: engine)
        let suffix = String(image.healthy.dropFirst("gantry-swarm-test-".count).prefix(8))
        let app = SwarmApp(engine: engine, image: image, network: "gantry-test-" + suffix, name: "gantry-test-\(suffix)-web")
        do {
            _ = try await engine.createBridgeNetwork(app.network, labels: [ServiceSpec.Label.app: "test-" + suffix])
            let result = try await body(app)
            await app.cleanUp()
            return result
        } catch {
            await app.cleanUp()
            throw error
        }
    }

    /// The spec Gantry's deployer would write: labels, env, init, healthcheck, limits, start-first.
    func spec(release: String, replicas: Int, image: String? = nil, healthcheck: Healthcheck? = TestImage.healthcheck) -> ServiceSpec {
        ServiceSpec(
            name: name,
            labels: [ServiceSpec.Label.app: "test", ServiceSpec.Label.release: release, ServiceSpec.Label.processType: "web"],
            taskTemplate: TaskSpec(
                containerSpec: ContainerSpec(
                    image: image ?? self.image.healthy, labels: [ServiceSpec.Label.release: release],
                    env: ["RELEASE=\(release)", "PORT=\(TestImage.port)"], user: "65534:65534", isInit: true,
                    healthcheck: healthcheck, stopGracePeriod: .seconds(5)),
                resources: TaskSpec.Resources(nanoCPUs: 500_000_000, memoryBytes: 128 << 20),
                networks: [TaskSpec.NetworkAttachmentConfig(target: network)]),
            mode: .replicated(replicas))
    }

    /// Creates the service and waits for it.
    func create(release: String, replicas: Int) async throws -> [TaskEndpoint] {
        let id = try await engine.createService(spec(release: release, replicas: replicas))
        return try await engine.waitForConvergence(of: ServiceUpdate(serviceID: id, name: name), network: network, timeout: .seconds(90))
    }

    /// Updates the service's current spec through `change` and waits for it.
    func update(_ change: (inout ServiceSpec) -> Void) async throws -> [TaskEndpoint] {
        let service = try #require(try await engine.service(named: name))
        var spec = service.spec
        change(&spec)
        let update = try await engine.updateService(service, to: spec)
        return try await engine.waitForConvergence(of: update, network: network, timeout: .seconds(120))
    }

    func cleanUp() async {
        _ = try? await engine.removeService(name)
        // The network can go once the tasks' containers are gone (a few seconds).
        for _ in 0..<60 {
            if (try? await engine.removeNetwork(network)) != nil { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        await image.remove(from: engine)
    }

    static let http = HTTPClient(configuration: .init(connectTimeout: .seconds(2), timeout: .seconds(5), usesProxy: false))

    /// `GET http://ADDRESS:PORT/` from the host: the task's own answer.
    static func get(_ endpoint: TaskEndpoint) async throws -> String {
        let response = try await http.perform(HTTPRequest(url: "http://\(endpoint.address):\(TestImage.port)/"))
        guard response.status == 200 else { throw EngineFixture.Failure("\(endpoint.address) answered \(response.status)") }
        return response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
