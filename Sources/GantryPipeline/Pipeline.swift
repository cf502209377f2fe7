import Foundation
import GantryBuildpacks
import GantryCore
import GantryGit
import GantryImage
import GantryRegistry
import GantryRuntime
import GantryStore
import Logging

/// The pipeline of one push, top to bottom:
///
///   receive (GantryGit) → detect → build → test → push (GantryRegistry, with --registry) → release → deploy → record
///
/// It runs as the pre-receive hook of `ReceivePack`: the pushed objects are in quarantine and
/// the ref has not moved. A push to the deploy branch is accepted only when its image is built,
/// its tests pass and its release serves behind the router; anything else rejects it with the
/// reason, leaving the ref — and the release that serves — as it was. Once the tests pass, the
/// objects join the repository (without a ref) before the release is recorded; the ref moves
/// after the release is live, and old images go after that: a kill at any point is recoverable
/// (`restoreLiveReleases`, and the README's table).
/// Other branches are stored without a build. Every step streams to the pusher as `remote:`
/// lines and into the build's log in SQLite.
public struct Pipeline: Sendable {
    let store: Store
    let builder: Builder
    let buildpacks: BuildpackSet
    /// Runs what ends on this host (the release command, `gantry run`) and, unless another
    /// scheduler is given, the formations too.
    let deployer: Deployer
    /// Where releases' formations run: the deployer, or a cluster engine's (`Scheduler`).
    let scheduler: any Scheduler
    let scratch: String
    /// Where an app is served (`http://APP.localhost:8000`).
    let publicURL: @Sendable (AppName) -> String
    let queues = AppQueues()
    /// Canary weight changes, promotions and aborts, one at a time per app (`Pipeline+Canary`).
    let canaryQueues = AppQueues()
    let canaryWatch = CanaryWatch()
    let logger: Logger
    /// Told when a build and when a release finish (metrics).
    let events: @Sendable (PipelineEvent) -> Void
    /// How many good releases per app keep their images (the live one always does).
    let keptReleases: Int
    /// Where every built image is pushed before its release is recorded (`--registry`), if anywhere.
    let registry: RegistryClient?
    /// Deploy templates (`k8s/` for `kubernetesManifests`): templates/ of the checkout, as `buildpacks/` is found.
    public var templatesDirectory = Checkout.locate() + "/templates"

    public init(
        store: Store, builder: Builder, buildpacks: BuildpackSet, deployer: Deployer, scheduler: (any Scheduler)? = nil, scratch: String,
        publicURL: @escaping @Sendable (AppName) -> String, logger: Logger,
        events: @escaping @Sendable (PipelineEvent) -> Void = { _ in }, keptReleases: Int = 10, registry: RegistryClient? = nil
    ) {
        self.keptReleases = keptReleases
        self.registry = registry
        self.store = store
        self.builder = builder
        self.buildpacks = buildpacks
        self.deployer = deployer
        self.scheduler = scheduler ?? deployer
        self.scratch = scratch
        self.publicURL = publicURL
        self.logger = logger
        self.events = events
    }

    /// The receive-pack hooks of `app`: pushes to one app take turns, from the check that
    /// their refs have not moved to the ref update. `trigger` says who pushes, through which door.
    public func hooks(for app: AppName, trigger: Trigger) -> ReceivePackHooks {
        ReceivePackHooks(
            preReceive: { commands, objects, options, reply in
                var verdicts: [String?] = []
                for command in commands {
                    guard let ref = command.refName, ref.isDeployBranch, !command.isDelete else {
                        verdicts.append(nil)
                        continue
                    }
                    let canary: CanaryRequest?
                    do { canary = try CanaryPushOptions.parse(options) } catch {
                        reply.step("Push rejected: \(error)")
                        verdicts.append("invalid canary option")
                        continue
                    }
                    verdicts.append(await deploy(app, command, ref: ref, objects: objects, trigger: trigger, canary: canary, reply: reply).rejection)
                }
                return verdicts
            },
            postReceive: { updated, _ in
                // Old images go once the ref has moved to the new release's commit.
                guard updated.contains(where: { $0.refName?.isDeployBranch == true && !$0.isDelete }) else { return }
                CrashPoint.reached(.refMoved)
                await collectGarbage(app)
            },
            serialize: { body in await queues.serialized(app, body) })
    }

    /// Builds, tests, releases and deploys one push of a deploy branch, whether its objects
    /// arrived in a push (`ReceivedObjects`) or a webhook's fetch (`RepositoryObjects`).
    /// - Returns: the build (`nil` when none could be recorded) and `nil` when it passed, else
    ///   the reason to reject the push.
    func deploy(
        _ app: AppName, _ command: RefCommand, ref: RefName, objects: some CommitSource, trigger: Trigger, canary: CanaryRequest? = nil,
        reply: ReceivePackReply
    ) async -> (build: Int64?, rejection: String?) {
        if let conflict = await canaryConflict(app, request: canary) {
            reply.step("Push rejected: \(conflict)")
            return (nil, canary == nil ? "a canary is running" : "no live release")
        }
        let build: Build
        do {
            build = try await store.recordBuild(
                app: app, ref: ref, oldCommit: command.old, newCommit: command.new, status: .building,
                commit: await objects.summary(of: command.new))
        } catch {
            reply.step("Cannot record the build: \(error)")
            return (nil, NoSpace.isMentioned(in: "\(error)") ? NoSpace.words : "cannot record the build")
        }
        let log = BuildLog(reply: reply, store: store, build: build.id, logger: logger)
        let workspace = scratch + "/build-\(app.rawValue)-\(build.id)"
        defer { UntrustedTree.removeLater(workspace) }  // what the build wrote may nest past PATH_MAX
        let started = ContinuousClock.now
        var stage = "build"
        var boot: Deployer.Boot?
        do {
            log.step("Build \(build.id) of \(ref.branchName ?? ref.rawValue) (\(command.new.short))")

            // Detect: the source tree, its Procfile and app.json, the buildpack.
            let source = workspace + "/layer/app"
            do {
                try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
                try await objects.export(command.new, to: source)
            } catch {
                throw BuildError.invalidSource("\(error)")
            }
            let manifests = try AppManifests(directory: source)
            let config = try await store.config(app: app)
            let settings = try AppSettings(config: config)
            let (buildpack, detected) = try await detect(source, override: settings.buildpack)
            log.step("\(detected) app detected (buildpack \(buildpack.id))")
            var request = BuildRequest(
                app: app, buildID: build.id, commit: command.new, sourceDirectory: source, buildpack: buildpack,
                config: config, procfile: manifests.procfile, limits: settings.limits, user: try await store.user(of: app))
            request.reusableDependencies = await liveDependencies(of: app)

            // Build: bin/compile in a build container.
            let compiled = try await builder.compile(request, output: log.line)
            CrashPoint.reached(.compiled)
            let compiledAt = ContinuousClock.now
            try await store.updateBuild(id: build.id, status: .testing, finished: false)

            // Test: a throwaway container on the compiled app, while its OCI image is written
            // and its web processes boot, unrouted (once its layers are written: on the
            // cache's copy of a layer another app made already, not on the build's).
            stage = "test"
            let layers = Task { try await builder.writeLayers(of: compiled) }
            async let writtenImage = { () async throws -> (CompiledApp, Image) in
                let written = try await layers.value
                return (written, try await builder.image(of: written))
            }()
            let testsEnded = Latch()
            async let earlyBoot = bootWhileTesting(
                try? await layers.value, config: config, settings: settings, manifests: manifests, testsEnded: testsEnded)
            let test: Builder.TestCommand = manifests.appJSON?.testScript.map { .script($0) } ?? .buildpack
            if case .script = test { log.step("Running tests: \(test.label)") }
            var testFailure: BuildError?
            do { try await builder.test(compiled, command: test, output: log.detail) } catch { testFailure = error }
            testsEnded.open()
            boot = await earlyBoot
            let (settled, image): (CompiledApp, Image)
            do { (settled, image) = try await writtenImage } catch {
                stage = "build"
                throw error as? BuildError ?? .other("\(error)")
            }
            if await !builder.adopt(settled, image: image) {
                // A layer was unpacked already: the build directory the processes booted on
                // goes with the workspace.
                await scheduler.discard(boot)
                boot = nil
            }
            let appLayer = image.layers.last!
            try? await store.recordStages(
                id: build.id, buildpack: buildpack.id, stack: builder.stack.name, imageDigest: image.digest.description,
                buildSeconds: Self.seconds(compiledAt - started), testSeconds: testFailure == nil ? Self.seconds(ContinuousClock.now - compiledAt) : nil)
            if let testFailure { throw testFailure }
            log.step("Tests passed")
            log.step("Image \(image.digest.description.prefix(19))… (app layer \(Self.megabytes(appLayer.size)), stack \(builder.stack.name))")
            // The commit joins the repository before its release is recorded: whatever stops
            // gantryd from here on, a live release's commit is there (the ref moves last).
            do { try await objects.persist() } catch { throw BuildError.other("cannot store the pushed objects: \(error)") }
            CrashPoint.reached(.objectsStored)
            try await store.finishBuild(id: build.id, status: .built, failureReason: nil)
            events(.buildFinished(app: app, status: .built))

            // Push: to the registry, when there is one; a refusal leaves the old release serving.
            let pushed: PushedImage?
            do { pushed = try await push(image, of: app, log: log) } catch {
                await deployer.discard(boot)
                log.step("Push to the registry failed: \(error)")
                await log.finish()
                await discardBuild(app, build: build.id)
                return (build.id, "registry push failed")
            }

            // Release and deploy: the new formation must come up healthy before the ref moves.
            stage = "deploy"
            let failure = await release(
                image, of: build, command: command, config: config, manifests: manifests, booted: boot, trigger: trigger, canary: canary,
                pushed: pushed, log: log)
            await log.finish()
            if failure != nil { await discardBuild(app, build: build.id) }
            return (build.id, failure)
        } catch {
            await scheduler.discard(boot)
            let failure = error as? BuildError ?? .other("\(error)")
            log.step("\(stage == "test" ? "Tests" : "Build") failed: \(failure)")
            try? await store.finishBuild(id: build.id, status: Self.status(of: failure), failureReason: failure.description)
            events(.buildFinished(app: app, status: Self.status(of: failure)))
            await log.finish()
            logger.info("build \(build.id) of \(app) failed: \(failure)")
            await discardBuild(app, build: build.id)
            return (build.id, failure.rejection)
        }
    }

    /// Records release vN of the built image and deploys it with zero downtime, or starts it
    /// as the app's canary.
    /// - Parameter booted: its web processes, booted while the tests ran; stopped if it fails.
    /// - Returns: `nil` once it is live (or serves as a canary), else the reason to reject the push.
    func release(
        _ image: Image, of build: Build, command: RefCommand, config: [String: String], manifests: AppManifests, booted: Deployer.Boot?,
        trigger: Trigger, canary: CanaryRequest?, pushed: PushedImage? = nil, log: BuildLog
    ) async -> String? {
        let app = build.app
        let release: Release
        var booted = booted
        do {
            release = try await store.createRelease(
                app: app, buildID: build.id, imageTag: image.tag, imageDigest: image.digest.description, imageReference: pushed?.reference,
                commit: command.new,
                config: config, processTypes: image.processTypes, description: trigger.deployDescription(command.new),
                createdBy: trigger.by, origin: trigger.origin)
        } catch {
            await scheduler.discard(booted)
            log.step("Cannot record the release: \(error)")
            events(.releaseFinished(app: app, status: .failed))
            return NoSpace.isMentioned(in: "\(error)") ? NoSpace.words : "cannot record the release"
        }
        log.step("Releasing v\(release.version) (image \(image.digest.description.prefix(19))…)")
        CrashPoint.reached(.releaseRecorded)
        if let rejection = await tag(pushed, as: release, log: log) {
            await deployer.discard(booted)
            events(.releaseFinished(app: app, status: .failed))
            return rejection
        }
        if let boot = booted, boot.release != release.version {
            await scheduler.discard(boot)  // another release was recorded meanwhile
            booted = nil
        }
        do {
            let plan: Deployer.Plan
            do {
                plan = try await self.plan(release, image: image, manifests: manifests)
                try await releasePhase(plan, of: release, log: log)  // an app with one boots nothing early
            } catch {
                await scheduler.discard(booted)
                throw error
            }
            if let canary {
                let rejection = try await releaseCanary(release, plan: plan, booted: booted, request: canary, trigger: trigger, log: log)
                if rejection == nil { log.step("\(publicURL(app)) serves the canary") }
                return rejection
            }
            try await scheduler.deploy(plan, booted: booted, log: log.step)
            CrashPoint.reached(.deployed)
            try await store.markReleaseLive(id: release.id)
            CrashPoint.reached(.releaseLive)
            events(.releaseFinished(app: app, status: .live))
            log.step("\(publicURL(app)) deployed")
            return nil
        } catch {
            let failure = error as? DeployError
            let reason = failure?.description ?? "\(error)"
            log.step("Deploy failed: \(reason)")
            for line in failure?.logTail ?? [] { log.detail(line) }
            try? await store.markReleaseFailed(id: release.id, reason: reason)
            events(.releaseFinished(app: app, status: .failed))
            logger.info("release v\(release.version) of \(app) failed: \(reason)")
            return failure?.rejection ?? "deploy failed"
        }
    }

    /// What the deployer runs for `release`: the image's layers, its environment with the
    /// release's config, the formation, the health checks.
    /// With no `manifests`, the app.json in the image's app layer is read.
    func plan(_ release: Release, image: Image, manifests: AppManifests?) async throws -> Deployer.Plan {
        guard image.layers.count >= 2 else { throw BuildError.other("image \(image.tag) has no app layer") }
        let user = try await store.user(of: release.app)
        var roots: [String] = []
        for layer in image.layers.dropFirst() { roots.append(try await builder.layerCache.unpacked(layer, owner: user)) }
        var plan = try await plan(
            release.app, version: release.version, layerRoots: roots, environment: image.environment, config: release.config,
            processTypes: release.processTypes, manifests: manifests ?? AppManifests(directory: roots[roots.count - 1] + "/app"), user: user)
        plan.imageReference = release.imageReference
        return plan
    }

    /// The plan of release `version` of `app`, whose layers above the stack are (or will be)
    /// `layerRoots`, the app's last.
    func plan(
        _ app: AppName, version: Int, layerRoots: [String], environment: [String: String], config: [String: String],
        processTypes: [String: String], manifests: AppManifests, user: Int
    ) async throws -> Deployer.Plan {
        var formation = Formation.default(for: processTypes).counts
        formation.merge(try await store.formation(app: app)) { _, stored in stored }
        let health = try HealthCheckPolicy(appJSON: manifests.appJSON)
        let settings = try AppSettings(config: config)
        var plan = Deployer.Plan(
            app: app, release: version, layers: [builder.stack.rootfs] + layerRoots,
            environment: environment.merging(config) { _, config in config }, processTypes: processTypes,
            formation: formation, healthChecks: health)
        plan.memoryLimitBytes = settings.processMemoryBytes
        plan.pidsLimit = settings.processPids
        plan.cpuLimit = settings.processCPU
        plan.https = settings.https
        plan.deployTimeout = settings.deployTimeout
        plan.user = user
        return plan
    }

    /// Boots the web processes of the release this build is to become while its tests run
    /// (on its layers' directories, which become the image's unpacked layers), unless the app set
    /// `GANTRY_EARLY_BOOT=0` or has a release command. The router sends them nothing until the tests have passed and the
    /// release is recorded; then the deploy only has to switch. Any problem here leaves it to
    /// the deploy after the tests, which plans again and says what is wrong.
    func bootWhileTesting(
        _ compiled: CompiledApp?, config: [String: String], settings: AppSettings, manifests: AppManifests, testsEnded: Latch
    ) async -> Deployer.Boot? {
        // A release command runs before any process of its release starts.
        guard settings.bootsWhileTesting, let compiled, compiled.processTypes[Formation.releaseType] == nil else { return nil }
        let app = compiled.request.app
        guard let version = try? await store.nextReleaseVersion(app: app),
            let plan = try? await plan(
                app, version: version, layerRoots: compiled.layerRoots, environment: builder.imageEnvironment, config: config,
                processTypes: compiled.processTypes, manifests: manifests, user: compiled.request.user)
        else { return nil }
        return await scheduler.boot(plan, testsEnded: testsEnded)
    }

    /// The dependency layers of the app's live image, for its next build to reuse; none when
    /// it has no live release or its image cannot be read (the build then makes them).
    func liveDependencies(of app: AppName) async -> [DependencyLayer] {
        guard let live = try? await store.currentRelease(app: app), let image = try? await builder.layout.image(tag: live.imageTag) else { return [] }
        return image.dependencies
    }

    private func detect(_ source: String, override: String?) async throws(BuildError) -> (Buildpack, String) {
        do { return try await buildpacks.detect(buildDirectory: source, override: override) } catch { throw .buildpack(error) }
    }

    static func status(of failure: BuildError) -> BuildStatus {
        switch failure {
        case .testsFailed: .testFailed
        case .timedOut: .timedOut
        default: .buildFailed
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
