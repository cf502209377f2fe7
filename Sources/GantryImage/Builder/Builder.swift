import Foundation
import GantryBuildpacks
import GantryCore

/// What one build needs to know about the app.
public struct BuildRequest: Sendable {
    public var app: AppName
    public var buildID: Int64
    public var commit: ObjectID
    /// The exported source tree, a directory named `app`; `bin/compile` turns it into the
    /// app's `/app` in place. Its parent then becomes the app layer's unpacked form (see
    /// `LayerCache.adopt`), so it must hold nothing else; dependency layers' directories go
    /// beside that parent (`dependency-DIR`), in the build's own directory.
    public var sourceDirectory: String
    public var buildpack: Buildpack
    /// Config vars, given to the buildpack as ENV_DIR files and to the tests as environment.
    public var config: [String: String]
    public var procfile: Procfile?
    public var limits: BuildLimits
    /// The app's unprivileged uid (`AppUser`): the build and the tests run as it, and the
    /// source directory, the build cache and the compiled app belong to it.
    public var user: Int
    /// The dependency layers of the app's live image, which the buildpack may reuse.
    public var reusableDependencies: [DependencyLayer] = []

    public init(
        app: AppName, buildID: Int64, commit: ObjectID, sourceDirectory: String, buildpack: Buildpack,
        config: [String: String] = [:], procfile: Procfile? = nil, limits: BuildLimits = BuildLimits(), user: Int = AppUser.nobody
    ) {
        precondition(sourceDirectory.hasSuffix("/app"), "the source directory is named app: its parent becomes the layer")
        self.app = app
        self.buildID = buildID
        self.commit = commit
        self.sourceDirectory = sourceDirectory
        self.buildpack = buildpack
        self.config = config
        self.procfile = procfile
        self.limits = limits
        self.user = user
    }
}

/// Time, memory and process limits of build and test containers.
public struct BuildLimits: Hashable, Sendable {
    public var buildTimeout: Duration = .seconds(15 * 60)
    public var testTimeout: Duration = .seconds(10 * 60)
    public var memoryBytes = 2 << 30
    public var pids = 1024
    /// The most bytes the compiled `/app` may hold (`GANTRY_MAX_APP_MB`, MB of 1,000,000
    /// bytes, default 2048): checked by a walk that reads no file, before the layer is written.
    public var maxAppBytes = 2048 * 1_000_000

    public init() {}
}

/// Builds OCI images with buildpacks: `bin/compile` and `bin/release` run in a build container
/// on the stack; the compiled `/app` becomes the app layer on top of the stack layer.
public struct Builder: Sendable {
    public let layout: ImageLayout
    public let layerCache: LayerCache
    public let stack: Stack
    public let buildpacksDirectory: String
    public let runtime: any ContainerRuntime
    /// Per-app build caches live in `cacheDirectory/APP` (CACHE_DIR of the buildpacks).
    public let cacheDirectory: String
    /// Where ENV_DIRs are written.
    public let scratchDirectory: String
    /// Variables passed from gantryd's environment into build containers (`PIP_*`, proxies…).
    public let passthroughEnvironment: [String: String]
    /// The free bytes the data directory (where caches, workspaces and images live) must have
    /// for a build to start (gantryd's `--min-free-mb`); a build refused for it changes nothing.
    public var minimumFreeBytes = Builder.defaultMinimumFreeBytes
    /// 1 GB (1,000 MB of 1,000,000 bytes).
    public static let defaultMinimumFreeBytes = 1_000 * 1_000_000

    public init(
        layout: ImageLayout, layerCache: LayerCache, stack: Stack, buildpacksDirectory: String, runtime: any ContainerRuntime,
        cacheDirectory: String, scratchDirectory: String, hostEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.layout = layout
        self.layerCache = layerCache
        self.stack = stack
        self.buildpacksDirectory = buildpacksDirectory
        self.runtime = runtime
        self.cacheDirectory = cacheDirectory
        self.scratchDirectory = scratchDirectory
        self.passthroughEnvironment = Self.passthrough(hostEnvironment)
    }

    /// The host's trust store, given read-only to build containers so package indexes behind a
    /// TLS-inspecting proxy are trusted.
    public static let caBundle = "/etc/ssl/certs/ca-certificates.crt"

    /// Runs `bin/compile` and `bin/release` in a build container: the source directory becomes
    /// the app as it will run. Its image is not written yet (see `image(of:)`), so that the
    /// tests can run on the directory meanwhile.
    /// - Throws: `BuildError`: `.diskFull` before anything runs when the data directory has
    ///   less than `minimumFreeBytes` free; `.noSpace` when `bin/compile` failed saying a write
    ///   met a full disk; `.appTooLarge` when the compiled app is over its limit.
    public func compile(_ request: BuildRequest, output: @escaping @Sendable (String) -> Void) async throws(BuildError) -> CompiledApp {
        try checkFreeSpace()
        let environment = try writeEnvironmentDirectory(request, stage: "build")
        defer { try? FileManager.default.removeItem(atPath: environment) }
        let cache = cacheDirectory + "/" + request.app.rawValue
        do { try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true) } catch {
            throw .other("cannot create the build cache \(cache): \(error.localizedDescription)")
        }
        // bin/release writes its YAML here, so compile and release share one container.
        let releaseDirectory = environment + "-release"
        do { try FileManager.default.createDirectory(atPath: releaseDirectory, withIntermediateDirectories: true) } catch {
            throw .other("cannot create \(releaseDirectory): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: releaseDirectory) }
        let layersDirectory = try writeLayersDirectory(request, beside: environment)
        defer { try? FileManager.default.removeItem(atPath: layersDirectory) }
        // The build runs as the app's user: what it writes to must be that user's.
        try await own([request.sourceDirectory, releaseDirectory, layersDirectory], by: request.user)
        try await own([cache], by: request.user, unlessOwned: true)
        let buildpack = "/buildpacks/" + request.buildpack.id
        let mounts = [
            Mount(source: request.sourceDirectory, destination: "/app", readOnly: false),
            Mount(source: cache, destination: "/cache", readOnly: false),
            Mount(source: environment, destination: "/env"),
            Mount(source: buildpacksDirectory, destination: "/buildpacks"),
            Mount(source: releaseDirectory, destination: "/release", readOnly: false),
            Mount(source: layersDirectory, destination: Self.layersMountPoint, readOnly: false),
        ] + trustMounts

        // `bin/compile /app /cache /env`, then `bin/release /app > /release/release.yml`: the
        // script paths are arguments of bash, never part of its command text.
        let tail = OutputTail()
        let compile = try await run(
            request, stage: "compile",
            arguments: ["/bin/bash", "-c", #""$0" /app /cache /env && "$1" /app > /release/release.yml"#, buildpack + "/bin/compile", buildpack + "/bin/release"],
            mounts: mounts, timeout: request.limits.buildTimeout, output: { line in tail.append(line); output(line) })
        try sanitizeCache(cache)
        switch compile {
        case .timedOut: throw .timedOut(stage: "build", limit: request.limits.buildTimeout)
        case let status where !status.isSuccess:
            if let evidence = tail.noSpace() {
                throw .noSpace(buildpack: request.buildpack.name, status, place: dataDirectoryPlace(), evidence: evidence)
            }
            if let refusal = tail.permissionRefusal() {
                throw .needsRoot(buildpack: request.buildpack.name, status, user: request.user, evidence: refusal)
            }
            throw .compileFailed(buildpack: request.buildpack.name, status)
        default: break
        }
        try checkCompiledApp(request)
        // The build container wrote release.yml: read it as untrusted (a regular file, ≤ 1 MiB).
        let releaseInfo: ReleaseInfo
        do throws(ManifestError) {
            let releaseOutput = try ManifestFile.read("release.yml", in: releaseDirectory).map { String(decoding: $0, as: UTF8.self) }
            releaseInfo = try ReleaseInfo(parsing: releaseOutput ?? "", buildpack: request.buildpack.id)
        } catch {
            throw .manifest(error)
        }
        var processTypes = releaseInfo.defaultProcessTypes
        processTypes.merge(request.procfile?.commands ?? [:]) { _, procfile in procfile }
        let dependencies = try await dependencies(declaredIn: layersDirectory, for: request)

        return CompiledApp(request: request, processTypes: processTypes, dependencies: dependencies)
    }

    /// Writes the image of a compiled app: the stack layer, its dependency layers and the app
    /// layer (the build directory as a deterministic tar; both written first when they are
    /// not: `writeLayers`), tagged `APP-build-ID`.
    /// - Throws: `BuildError.image`.
    public func image(of compiled: CompiledApp) async throws(BuildError) -> Image {
        let compiled = try await writeLayers(of: compiled)
        let request = compiled.request
        do throws(ImageError) {
            var layers = [stack.layer]
            var labels: [String: String] = [:]
            for dependency in compiled.dependencies {
                guard let layer = dependency.layer else { preconditionFailure("writeLayers wrote every layer") }
                layers.append(layer)
                labels[DependencyLayer.labelPrefix + dependency.directory] = "\(dependency.key) \(layer.diffID)"
            }
            guard let appLayer = compiled.appLayer else { preconditionFailure("writeLayers wrote every layer") }
            layers.append(appLayer)
            let config = ImageConfig(
                environment: imageEnvironment, workingDirectory: "/app", processTypes: compiled.processTypes,
                buildpack: request.buildpack.id, stack: stack.name, commit: request.commit.hex, labels: labels)
            return try await layout.writeImage(layers: layers, config: config, tag: Self.tag(request.app, request.buildID))
        } catch {
            throw .image(error)
        }
    }

    /// Moves the compiled app's directory into the layer cache as the unpacked app layer of
    /// `image`: containers of the image use it without unpacking the tar just written.
    /// The directories of the dependency layers it made are moved likewise. A layer the cache
    /// had unpacked before `writeLayers` wrote it is not: containers run on the cache's copy.
    /// - Parameter compiled: as `writeLayers` (or `image(of:)`) left it.
    /// - Returns: whether every build directory containers may run on moved (else what stayed
    ///   is removed with the build's workspace: its layer was unpacked meanwhile).
    @discardableResult
    public func adopt(_ compiled: CompiledApp, image: Image) async -> Bool {
        guard let appLayer = image.layers.last else { return false }
        var adoptedAll = true
        for (layer, directory) in zip(compiled.dependencies.map(\.layer) + [appLayer], compiled.layerRoots) {
            guard let layer, directory != layerCache.directory(of: layer.digest) else { continue }
            adoptedAll = await layerCache.adopt(layer, directory: directory) && adoptedAll
        }
        return adoptedAll
    }

    /// The environment every app image starts from.
    public var imageEnvironment: [String: String] {
        ["PATH": Launcher.path, "HOME": "/app", "LANG": "C.UTF-8", "STACK": stack.name]
    }

    /// Where a build container finds `$GANTRY_LAYERS` (see `writeLayersDirectory`).
    static let layersMountPoint = "/layers"

    /// The tag of a build's image.
    public static func tag(_ app: AppName, _ buildID: Int64) -> String { "\(app.rawValue)-build-\(buildID)" }

    /// Variables a build container gets: a clean base, the passthrough settings, the stack's name.
    func buildEnvironment(_ request: BuildRequest) -> [String: String] {
        var environment = passthroughEnvironment
        environment["PATH"] = Launcher.path
        environment["HOME"] = "/tmp"
        environment["LANG"] = "C.UTF-8"
        environment["STACK"] = stack.name
        environment["SOURCE_VERSION"] = request.commit.hex
        environment["GANTRY_LAYERS"] = Self.layersMountPoint
        if FileManager.default.fileExists(atPath: Self.caBundle) {
            environment["SSL_CERT_FILE"] = Self.caBundle
            environment["PIP_CERT"] = environment["PIP_CERT"] ?? Self.caBundle
        }
        return environment
    }

    var trustMounts: [Mount] {
        var mounts: [Mount] = []
        if FileManager.default.fileExists(atPath: Self.caBundle) { mounts.append(Mount(source: Self.caBundle, destination: Self.caBundle)) }
        if FileManager.default.fileExists(atPath: "/etc/pip.conf") { mounts.append(Mount(source: "/etc/pip.conf", destination: "/etc/pip.conf")) }
        return mounts
    }

    func run(
        _ request: BuildRequest, stage: String, arguments: [String], mounts: [Mount], layers: [String]? = nil,
        environment: [String: String]? = nil, timeout: Duration, output: @escaping @Sendable (String) -> Void
    ) async throws(BuildError) -> ExitStatus {
        var spec = ContainerSpec(
            id: "\(request.app.rawValue)-build-\(request.buildID)-\(stage)", layers: layers ?? [stack.rootfs], arguments: arguments,
            environment: environment ?? buildEnvironment(request), workingDirectory: "/app", mounts: mounts,
            memoryLimitBytes: request.limits.memoryBytes, pidsLimit: request.limits.pids, hostname: request.app.rawValue, user: request.user)
        // A build uses what CPU is idle, not what serving needs.
        spec.isBackground = true
        do { return try await runtime.run(spec, timeout: timeout, output: output) } catch { throw .runtime(error) }
    }

    /// ENV_DIR: one file per config var, named after it, holding its value.
    func writeEnvironmentDirectory(_ request: BuildRequest, stage: String) throws(BuildError) -> String {
        let directory = scratchDirectory + "/env-\(request.app.rawValue)-\(request.buildID)-\(stage)"
        do {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard lchown(directory, uid_t(request.user), gid_t(request.user)) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
            }
            for (key, value) in request.config {
                try Data(value.utf8).write(to: URL(fileURLWithPath: directory + "/" + key))
                guard lchown(directory + "/" + key, uid_t(request.user), gid_t(request.user)) == 0 else {
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
                }
            }
        } catch {
            throw .other("cannot write the \(stage) ENV_DIR: \(error.localizedDescription)")
        }
        return directory
    }

    static func passthrough(_ environment: [String: String]) -> [String: String] {
        let names: Set<String> = ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"]
        return environment.filter { names.contains($0.key) || $0.key.hasPrefix("PIP_") }
    }
}

/// An app compiled in its build directory, before its image is written.
public struct CompiledApp: Sendable {
    public var request: BuildRequest
    /// Process types: `bin/release`'s defaults overridden by the Procfile.
    public var processTypes: [String: String]
    /// The dependency layers, between the stack and the app, lowest first.
    public var dependencies: [CompiledDependency] = []
    /// The app layer, once written (`Builder.writeLayers`).
    public var appLayer: Layer?
    /// Where containers find the app layer's files: the build directory (`root`), or the
    /// layer cache's copy when the cache had the layer unpacked before it was written (the
    /// same commit built for another app).
    public var appRoot: String?

    /// The build directory, holding `app/`: the unpacked app layer to be.
    public var root: String { URL(fileURLWithPath: request.sourceDirectory).deletingLastPathComponent().path }
    /// The directories of its layers above the stack, lowest first: overlay lower directories
    /// for containers of the app before its image is written.
    public var layerRoots: [String] { dependencies.map(\.root) + [appRoot ?? root] }
}
