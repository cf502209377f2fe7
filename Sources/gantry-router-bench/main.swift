// gantry-router-bench: GantryRouter as gantryd runs it, for bench/router. Routes every request
// for `bench.localhost` to one backend and serves until killed (SIGTERM, SIGINT).
//
//     gantry-router-bench --backend-port 5000 [--backend-host 10.89.0.7] [--port 0] [--app bench]
//                         [--observer metrics|none] [--hosts N] [--canary WEIGHT]
//                         [--https-port N --cert CHAIN.pem --key KEY.pem [--cert-names a,b]]
//
// --https-port terminates TLS there (as gantryd's --https-port) with the certificate chain and
// key of --cert/--key, presented for --cert-names (default `APP.localhost,127.0.0.1`: wrk sends
// the URL's host, an IP address, as its SNI); bench/tls compares it with nginx.
// --hosts N (default 1) puts N apps in the table, as gantryd's holds one per app: `--app` and
// N-1 others (`--app`-2 … -N, each with a backend of its own id on the same address), so that
// bench/density compares the router with 1 and with N hosts in the same run, on the same
// backend.
// --observer metrics (the default) gives the router the observers gantryd gives it in production:
// a GantryMetrics, which counts every finished request by app, release and status and records its
// latency in a histogram, and a ReleaseTrafficCounter, which counts requests, 5xx and latency per
// release for canary analysis (Sources/gantryd/Gantryd.swift). --observer none runs the router
// without them.
// --canary WEIGHT (1-99) gives `--app` a canary split as gantryd sets one for a gray release:
// its backend is release 1, and a second backend entry of release 2 on the same address takes
// WEIGHT% of the requests that name no side; a client without cookies (wrk) goes through the
// weighted choice on every request and gets a `Set-Cookie` on every response. bench/router
// compares the router with and without it.
//
// --backend-host is the backend's IP address (default 127.0.0.1): bench/router gives it the
// address of a network namespace on Gantry's container bridge, where gantryd's router finds a
// web process. Prints `listening on 127.0.0.1:PORT` once it accepts connections.
import Foundation
import GantryCore
import GantryMetrics
import GantryRouter

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage: gantry-router-bench --backend-port PORT [--backend-host ADDRESS] [--port PORT] [--app NAME] [--observer metrics|none] \
    [--hosts N] [--canary WEIGHT]
    """
var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else {
        print(usage)
        exit(1)
    }
    options[String(name.dropFirst(2))] = value
}
guard let backendPort = options["backend-port"].flatMap(Int.init) else {
    print("gantry-router-bench: --backend-port PORT is required")
    exit(1)
}
let backendHost = options["backend-host"] ?? "127.0.0.1"
let app = try AppName(options["app"] ?? "bench")
guard let hosts = Int(options["hosts"] ?? "1"), (1...100_000).contains(hosts) else {
    print("gantry-router-bench: --hosts is a number from 1 to 100000")
    exit(1)
}
var canaryWeight: Int?
if let text = options["canary"] {
    guard let weight = CanaryWeight.parse(text) else {
        print("gantry-router-bench: --canary is a weight from 1 to 99")
        exit(1)
    }
    canaryWeight = weight
}
let table = RouteTable()
table.setBackends(app: app, [Backend(id: "backend", host: backendHost, port: backendPort, release: 1)])
if let weight = canaryWeight {
    let canary = Backend(id: "backend-canary", host: backendHost, port: backendPort, release: 2)
    table.setCanary(app: app, CanarySplit(release: 2, stable: 1, weight: weight, backends: [canary]))
}
for other in stride(from: 2, through: hosts, by: 1) {
    table.setBackends(app: try AppName("\(app.rawValue)-\(other)"), [Backend(id: "backend-\(other)", host: backendHost, port: backendPort)])
}
let observer: (any RouterObserver)?
switch options["observer"] ?? "metrics" {
case "metrics": observer = CombinedRouterObserver(GantryMetrics(), ReleaseTrafficCounter())  // as gantryd builds its Router
case "none": observer = nil
default:
    print("gantry-router-bench: --observer is metrics or none")
    exit(1)
}
let certificates = CertificateTable()
let httpsPort = options["https-port"].flatMap(Int.init)
if httpsPort != nil {
    guard let chainPath = options["cert"], let keyPath = options["key"],
        let chain = try? String(contentsOfFile: chainPath, encoding: .utf8), let key = try? String(contentsOfFile: keyPath, encoding: .utf8)
    else {
        print("gantry-router-bench: --https-port needs readable --cert and --key PEM files")
        exit(1)
    }
    let names = (options["cert-names"] ?? "\(app.rawValue).localhost,127.0.0.1").split(separator: ",").map(String.init)
    try certificates.set(app: app, names: names, chainPEM: chain, keyPEM: key)
}
var configuration = RouterConfiguration(host: "127.0.0.1", port: options["port"].flatMap(Int.init) ?? 0)
configuration.httpsPort = httpsPort
let router = Router(table: table, configuration: configuration, certificates: certificates, observer: observer)
let port = try await router.start()
let httpsNote = router.httpsPort.map { ", https \($0)" } ?? ""
let canaryNote = canaryWeight.map { ", canary \($0)%" } ?? ""
print(
    "listening on 127.0.0.1:\(port) (observer: \(observer == nil ? "none" : "metrics"), \(hosts) host\(hosts == 1 ? "" : "s")\(httpsNote)\(canaryNote))"
)
fflush(nil)
try await router.run()
