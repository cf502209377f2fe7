import Foundation
import GantryBuildpacks
import GantryCore
import GantryImage
import GantryMetrics
import GantryPipeline
import GantryRegistry
import GantryRouter
import GantryRuntime
import GantryStore
import GantrySwarm
import Logging

extension Gantryd {
    /// Wires the stages: the stack into the image store, the runtime (after clearing what a
    /// crash left), the builder, the pipeline.
    /// - Throws: `StartupError` saying what to do.
    func makePipeline(
        dataDirectory: DataDirectory, store: Store, stackDirectory: String, buildpacksDirectory: String, router: Router, metrics: GantryMetrics,
        traffic: ReleaseTrafficCounter, registry: RegistryClient?,
        logger: Logger
    ) async throws -> (Pipeline, ContainerNetwork, LogWriter) {
        let buildpacks: BuildpackSet
        let stack: Stack
        do {
            buildpacks = try BuildpackSet(directory: buildpacksDirectory)
            stack = try Stack.load(from: stackDirectory)
        } catch {
            throw StartupError("\(error)")
        }
        let layout = try ImageLayout(root: dataDirectory.images)
        _ = try await layout.importStack(stack)
        let layerCache = try LayerCache(root: dataDirectory.layers, layout: layout)
        await layerCache.register(stack)
        var network: NetworkConfiguration
        do {
            network = try NetworkConfiguration(bridge: bridge, subnet: containerSubnet, pluginDirectory: cniPluginDir)
            // A router published beyond loopback is public: apps may call each other through it.
            if !["127.0.0.1", "localhost", "::1"].contains(routerHost) { network.publicPorts = [routerPort] }
        } catch {
            throw StartupError(error.reason)
        }
        // The engine is checked before the container network starts: a gantryd that cannot
        // start must leave no network namespace behind (the ready pool is attached at start).
        let routerTraffic = RouterTraffic(router: router, counter: traffic)
        let scheduler = runtime == "swarm" ? try await swarmScheduler(router: routerTraffic, dataDirectory: dataDirectory, logger: logger) : nil
        let runc = RuncRuntime(binary: ociRuntime, containersDirectory: dataDirectory.containers, network: network, networkPoolSize: ContainerNetwork.gantrydPoolSize)
        do {
            let leftovers = try await runc.network.start()
            if leftovers > 0 { logger.notice("detached \(leftovers) network namespaces a crash left behind") }
        } catch {
            throw StartupError("cannot set up the container network: \(error.reason)")
        }
        if changeWork == "idle" {
            if let problem = runc.enableBackground() {
                logger.warning("change work runs at SCHED_IDLE only: \(problem)")
            } else {
                logger.info("change work runs in an idle CPU cgroup")
            }
        }
        for line in await CgroupMoves.favor() { logger.info("\(line)") }
        logger.info("containers on bridge \(network.bridge) (\(network.subnet)), CNI plugins in \(network.pluginDirectory)")
        logger.info("stack \(stack.name) (\(stack.digest)), buildpacks: \(buildpacks.buildpacks.map(\.id).joined(separator: ", "))")
        var builder = Builder(
            layout: layout, layerCache: layerCache, stack: stack, buildpacksDirectory: buildpacksDirectory, runtime: runc,
            cacheDirectory: dataDirectory.buildCaches, scratchDirectory: dataDirectory.scratch)
        builder.minimumFreeBytes = minFreeMb * 1_000_000
        let deployer = Deployer(runtime: runc, router: routerTraffic, health: HealthChecker(), logsDirectory: dataDirectory.logs)
        let (routerPort, appsDomain) = (routerPort, appsDomain.lowercased())
        let pipeline = Pipeline(
            store: store, builder: builder, buildpacks: buildpacks, deployer: deployer, scheduler: scheduler, scratch: dataDirectory.scratch,
            publicURL: { app in "http://\(app.rawValue).\(appsDomain)\(routerPort == 80 ? "" : ":\(routerPort)")" }, logger: logger,
            events: metrics.record(_:), keptReleases: keepReleases, registry: registry)
        runc.emptyTrash()
        for line in await pipeline.restoreLiveReleases(repositoryPath: { dataDirectory.repository(for: $0) }) { logger.notice("restore: \(line)") }
        for id in await runc.removeStrayLogFIFOs() { logger.notice("removed the log FIFO of \(id), a container that is gone") }
        return (pipeline, runc.network, runc.logWriter)
    }
}

extension Gantryd {
    /// `--remove-containers`: what a stopped gantryd leaves running, removed the way gantryd
    /// removes a container (so that nothing of its network stays attached).
    func removeAllContainers(logger: Logger) async throws {
        let dataDirectory = DataDirectory(root: URL(fileURLWithPath: dataDir).standardizedFileURL.path)
        let network: NetworkConfiguration
        do { network = try NetworkConfiguration(bridge: bridge, subnet: containerSubnet, pluginDirectory: cniPluginDir) } catch {
            throw StartupError(error.reason)
        }
        let runtime = RuncRuntime(binary: ociRuntime, containersDirectory: dataDirectory.containers, network: network)
        let removed = await runtime.removeLeftovers()
        let detached = await runtime.network.detachLeftovers()
        await runtime.network.settle()
        runtime.logWriter.stop()
        runtime.removeCgroupParent()
        logger.notice("removed \(removed.count) containers, detached \(detached) ready network namespaces")
        if let error = await runtime.network.lastBackgroundError { throw StartupError("some network namespaces stay attached: \(error)") }
    }
}

extension Gantryd {
    /// `--runtime swarm`: the engine `DOCKER_HOST` names, which must be a Swarm manager, and the
    /// network apps' tasks join.
    /// - Throws: `StartupError` naming the socket, or saying to `docker swarm init`.
    func swarmScheduler(router: any TrafficRouter, dataDirectory: DataDirectory, logger: Logger) async throws -> SwarmScheduler {
        // This gantryd's mark on its services, made once: restore removes only services it made.
        let ownerFile = dataDirectory.root + "/swarm-owner"
        let owner: String
        if let stored = try? String(contentsOfFile: ownerFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !stored.isEmpty {
            owner = stored
        } else {
            owner = UUID().uuidString.lowercased()
            do { try owner.write(toFile: ownerFile, atomically: true, encoding: .utf8) } catch {
                throw StartupError("cannot write \(ownerFile): \(error.localizedDescription)")
            }
        }
        do {
            let engine = try DockerEngine()
            try await engine.requireSwarmManager()
            _ = try await engine.createBridgeNetwork(swarmNetwork, labels: ["dev.gantry.network": "apps"])
            logger.info("apps' processes run as services of the Swarm at \(engine.host.socketPath), on network \(swarmNetwork)")
            return SwarmScheduler(
                engine: engine, router: router, health: HealthChecker(), network: swarmNetwork, owner: owner, logsDirectory: dataDirectory.logs)
        } catch {
            throw StartupError("--runtime swarm: \(error)")
        }
    }
}

/// gantryd cannot start; the message says what to do.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
