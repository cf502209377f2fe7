import GantryImage

/// The config vars Gantry itself reads, checked before a build starts:
///
/// | var | meaning | default |
/// |---|---|---|
/// | `GANTRY_BUILDPACK` | the buildpack to use instead of detection (`python`, `nodejs`, …) | detect |
/// | `GANTRY_BUILD_TIMEOUT` | seconds `bin/compile` may run | 900 |
/// | `GANTRY_TEST_TIMEOUT` | seconds the tests may run | 600 |
/// | `GANTRY_BUILD_MEMORY_MB` | memory limit of build and test containers | 2048 |
/// | `GANTRY_MAX_APP_MB` | the most the compiled `/app` may hold, in MB of 1,000,000 bytes | 2048 |
/// | `GANTRY_MEMORY_MB` | memory limit of each app process | 512 |
/// | `GANTRY_PIDS` | process limit of each app process's container | 256 |
/// | `GANTRY_CPU` | CPU time each app process may use, in cores (`0.5`, `2`) | no limit |
/// | `GANTRY_EARLY_BOOT` | `0`: web processes start only after the tests passed, not while they run | `1` |
/// | `GANTRY_FORCE_HTTPS` | `1`: requests over plain HTTP are redirected to HTTPS (308) | `0` |
/// | `GANTRY_HSTS` | seconds of `Strict-Transport-Security: max-age=` on HTTPS responses | none |
/// | `GANTRY_RELEASE_TIMEOUT` | seconds the release command (Procfile `release:`) may run | 3600 |
/// | `GANTRY_DEPLOY_TIMEOUT` | seconds a cluster engine may take to run a release's processes (Swarm: converge) | 300 |
struct AppSettings {
    var buildpack: String?
    var limits = BuildLimits()
    var processMemoryBytes = 512 << 20
    var processPids = 256
    var processCPU: Double?
    /// Whether a push's web processes boot, unrouted, while its tests run (`Pipeline.bootWhileTesting`).
    var bootsWhileTesting = true
    var https = HTTPSPolicy()
    /// How long the release command may run (Heroku's default: an hour).
    var releaseTimeout = defaultReleaseTimeout
    static let defaultReleaseTimeout: Duration = .seconds(3600)
    /// How long a cluster engine may take to converge on a release (`SwarmScheduler`).
    var deployTimeout: Duration = .seconds(300)

    /// - Throws: `BuildError.other` naming the var whose value is unusable.
    init(config: [String: String]) throws(BuildError) {
        buildpack = config["GANTRY_BUILDPACK"].flatMap { $0.isEmpty ? nil : $0 }
        if let seconds = try Self.positive("GANTRY_BUILD_TIMEOUT", in: config, maximum: 24 * 3600) {
            limits.buildTimeout = .seconds(seconds)
        }
        if let seconds = try Self.positive("GANTRY_TEST_TIMEOUT", in: config, maximum: 24 * 3600) {
            limits.testTimeout = .seconds(seconds)
        }
        if let megabytes = try Self.positive("GANTRY_BUILD_MEMORY_MB", in: config, maximum: 64 * 1024) {
            limits.memoryBytes = megabytes << 20
        }
        if let megabytes = try Self.positive("GANTRY_MAX_APP_MB", in: config, maximum: 1_000_000) {
            limits.maxAppBytes = megabytes * 1_000_000
        }
        if let megabytes = try Self.positive("GANTRY_MEMORY_MB", in: config, maximum: 64 * 1024) {
            processMemoryBytes = megabytes << 20
        }
        if let seconds = try Self.positive("GANTRY_RELEASE_TIMEOUT", in: config, maximum: 24 * 3600) {
            releaseTimeout = .seconds(seconds)
        }
        if let seconds = try Self.positive("GANTRY_DEPLOY_TIMEOUT", in: config, maximum: 24 * 3600) {
            deployTimeout = .seconds(seconds)
        }
        if let pids = try Self.positive("GANTRY_PIDS", in: config, maximum: 32768) {
            processPids = pids
        }
        if let text = config["GANTRY_CPU"] {
            guard let cores = Double(text), cores.isFinite, cores >= 0.01, cores <= 1024 else {
                throw .other("config var GANTRY_CPU=\(text.prefix(20)) must be a number of cores from 0.01 to 1024 (0.5: half a core)")
            }
            processCPU = cores
        }
        switch config["GANTRY_EARLY_BOOT"] {
        case nil, "1": bootsWhileTesting = true
        case "0": bootsWhileTesting = false
        case let text?: throw .other("config var GANTRY_EARLY_BOOT=\(text.prefix(20)) must be 1 (web processes boot while the tests run, unrouted) or 0 (only once they passed)")
        }
        switch config["GANTRY_FORCE_HTTPS"] {
        case nil, "0": https.forceHTTPS = false
        case "1": https.forceHTTPS = true
        case let text?: throw .other("config var GANTRY_FORCE_HTTPS=\(text.prefix(20)) must be 1 (redirect plain HTTP to HTTPS) or 0")
        }
        if config["GANTRY_HSTS"] == "0" {
            https.hstsSeconds = 0  // tells browsers to forget an earlier max-age
        } else {
            https.hstsSeconds = try Self.positive("GANTRY_HSTS", in: config, maximum: 2 * 365 * 86_400)
        }
    }

    private static func positive(_ key: String, in config: [String: String], maximum: Int) throws(BuildError) -> Int? {
        guard let text = config[key] else { return nil }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw .other("config var \(key)=\(text.prefix(20)) must be a whole number from 1 to \(maximum)")
        }
        return value
    }
}
