// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "gantry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gantryd", targets: ["gantryd"]),
        .executable(name: "gantry", targets: ["gantry"]),
        .executable(name: "gantry-logger", targets: ["gantry-logger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // System libraries (Debian: libgit2-dev, libcurl4-openssl-dev; installed by `make setup`).
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Value types and protocols shared by every stage. No I/O.
        .target(name: "GantryCore"),
        // SQLite through GRDB: migrations, records, queries.
        .target(name: "GantryStore", dependencies: [
            "GantryCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // libgit2 wrappers, pkt-lines and the receive-pack protocol.
        .target(name: "GantryGit", dependencies: ["GantryCore", "CGit2", "CZlib"]),
        // Buildpack discovery and the detect/compile/release/test contract; Procfile, app.json.
        .target(name: "GantryBuildpacks", dependencies: [
            "GantryCore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // OCI image layout store, deterministic layer writer, stack import, the Builder.
        .target(name: "GantryImage", dependencies: [
            "GantryCore", "GantryBuildpacks",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // Outbound HTTP over libcurl: the CLI's API client, gantryd's health checks and callbacks.
        .target(name: "GantryHTTP", dependencies: ["GantryCore", "CCurl"]),
        // The Docker Engine API (v1.41) over its unix socket: Swarm services, tasks, containers,
        // networks, logs, image loading, and the wait for a service's convergence.
        .target(name: "GantrySwarm", dependencies: ["GantryCore", "GantryHTTP"]),
        // RFC 8555 ACME client (HTTP-01) over GantryHTTP: accounts, orders, CSRs, certificates.
        .target(name: "GantryACME", dependencies: [
            "GantryHTTP",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // OCI distribution client over GantryHTTP: pushes images of the layout to a registry.
        .target(name: "GantryRegistry", dependencies: ["GantryCore", "GantryHTTP", "GantryImage"]),
        // Container runtimes: runc (default); health checks of started web processes.
        .target(name: "GantryRuntime", dependencies: [
            "GantryCore", "GantryImage", "GantryBuildpacks", "GantryHTTP",
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // HTTP reverse proxy: Host → app → healthy web backends; HTTP/1.1, and HTTP/2 over TLS.
        .target(name: "GantryRouter", dependencies: [
            "GantryCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "NIOHPACK", package: "swift-nio-http2"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Kubernetes manifests of a release (`gantry export --k8s`), from templates/k8s/ with swift-mustache.
        .target(name: "GantryKubernetes", dependencies: [
            "GantryCore",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // The pipeline, top to bottom: receive → detect → build → test → record.
        .target(name: "GantryPipeline", dependencies: [
            "GantryCore", "GantryStore", "GantryGit", "GantryBuildpacks", "GantryImage", "GantryRuntime", "GantryRegistry", "GantrySwarm",
            "GantryKubernetes",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Prometheus metrics: router requests and latency, builds and deploys, running containers.
        .target(name: "GantryMetrics", dependencies: [
            "GantryCore", "GantryRouter",
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Full-screen terminal views: raw mode with guaranteed restore, keys, frames (`gantry history`).
        .target(name: "GantryTerminal"),
        // The REST API client (over GantryHTTP) used by the CLI and the tests.
        // One-off processes attach over a WebSocket on the API port (`gantry run`).
        .target(name: "GantryClient", dependencies: [
            "GantryCore", "GantryHTTP", "GantryTerminal",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The front doors: smart-HTTP git, REST API, webhooks (HMAC with swift-crypto, commit
        // statuses over GantryHTTP); git over gantryd's own SSH server.
        .target(name: "GantryServer", dependencies: [
            "GantryCore", "GantryStore", "GantryGit", "GantryHTTP",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "NIOSSH", package: "swift-nio-ssh"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "gantryd", dependencies: [
            "GantryServer", "GantryPipeline", "GantryStore", "GantryGit", "GantryCore", "GantryImage", "GantryRuntime", "GantryBuildpacks",
            "GantryRouter", "GantryMetrics", "GantryACME", "GantryRegistry",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Timestamps and rotates one app process's output; gantryd runs one per process.
        .executableTarget(name: "gantry-logger"),
        // The router alone on one static route, for bench/router.
        .executableTarget(name: "gantry-router-bench", dependencies: ["GantryRouter", "GantryMetrics", "GantryCore"]),
        // The parsers of untrusted bytes as fuzz targets, one function each (issue 12): run by
        // gantry-fuzz under libFuzzer (`make fuzz`) and by GantryFuzzTests without it.
        .target(name: "GantryFuzzTargets", dependencies: [
            "GantryCore", "GantryGit", "GantryBuildpacks", "GantryRouter", "GantryServer", "GantryClient",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // libFuzzer's driver over one target when built with -sanitize=fuzzer -DGANTRY_FUZZ;
        // otherwise it replays inputs (a saved crash, a corpus) through a target.
        .executableTarget(name: "gantry-fuzz", dependencies: ["GantryFuzzTargets"]),
        .executableTarget(name: "gantry", dependencies: [
            "GantryClient", "GantryCore", "GantryTerminal",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "GantryCoreTests", dependencies: ["GantryCore"]),
        .testTarget(name: "GantryStoreTests", dependencies: ["GantryStore", "GantryTesting"]),
        .testTarget(name: "GantryGitTests", dependencies: ["GantryGit", "GantryTesting"]),
        // A tiny blocking HTTP server on a random loopback port, shared by the tests that need one.
        .target(name: "GantryTesting", dependencies: [
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Tests/GantryTesting"),
        .testTarget(name: "GantryHTTPTests", dependencies: ["GantryHTTP", "GantryTesting"]),
        // The ACME client against the real pebble CA (GantryTesting's `Pebble`), and its pure parts.
        .testTarget(name: "GantryACMETests", dependencies: [
            "GantryACME", "GantryHTTP", "GantryTesting",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The Engine client against a real single-node Swarm (scripts/docker-engine), and its pure parts.
        .testTarget(name: "GantrySwarmTests", dependencies: [
            "GantrySwarm", "GantryHTTP", "GantryTesting", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "GantryClientTests", dependencies: ["GantryClient", "GantryTesting"]),
        .testTarget(name: "GantryTerminalTests", dependencies: ["GantryTerminal"]),
        // The CLI's pure parts (the history view's model), through `@testable import gantry`.
        .testTarget(name: "gantryTests", dependencies: ["gantry", "GantryClient", "GantryCore", "GantryTerminal"]),
        .testTarget(name: "GantryBuildpacksTests", dependencies: ["GantryBuildpacks", "GantryTesting"]),
        .testTarget(name: "GantryImageTests", dependencies: ["GantryImage", "GantryTesting"]),
        // The registry client against Debian's docker-registry (GantryTesting's `DockerRegistry`), checked by skopeo.
        .testTarget(name: "GantryRegistryTests", dependencies: [
            "GantryRegistry", "GantryImage", "GantryHTTP", "GantryTesting",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
        ]),
        .testTarget(name: "GantryRuntimeTests", dependencies: ["GantryRuntime", "GantryBuildpacks", "GantryTesting"]),
        .testTarget(name: "GantryPipelineTests", dependencies: [
            "GantryPipeline", "GantryCore", "GantryGit", "GantryStore", "GantryTesting",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Rendered manifests checked by Tests/Support/k8s/validate.py (the `kubernetes` client's models).
        .testTarget(name: "GantryKubernetesTests", dependencies: ["GantryKubernetes", "GantryTesting"]),
        .testTarget(name: "GantryMetricsTests", dependencies: ["GantryMetrics", "GantryRouter", "GantryCore"]),
        .testTarget(name: "GantryRouterTests", dependencies: [
            "GantryRouter", "GantryCore", "GantryTesting",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "NIOHPACK", package: "swift-nio-http2"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GantryServerTests", dependencies: [
            "GantryServer", "GantryClient", "GantryTesting",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Every fuzz target over its seed corpus, its found crashes and 20,000 mutations.
        .testTarget(name: "GantryFuzzTests", dependencies: ["GantryFuzzTargets"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "GantryClient", "GantryCore", "GantryRuntime", "GantryTesting",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)

// One build for `make run` and `make test`: Gantry's own targets are compiled for testing
// (`-enable-testing`: `@testable import` sees their internal declarations), so `swift build -c
// release --build-tests` reuses every module `swift build -c release` compiled and adds only the
// test targets; the tests run against the binaries that ship. (A debug build for the tests
// compiled every module and every dependency a second time: 829 s of a 50-minute `make test`.)
// The test targets compile as in a debug build, unoptimized and in batches: test code.
for target in package.targets {
    switch target.type {
    case .regular, .executable:
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-enable-testing"])]
    case .test:
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-Onone", "-no-whole-module-optimization"])]
    default:
        break
    }
}
