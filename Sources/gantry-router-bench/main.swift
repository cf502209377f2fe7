// gantry-router-bench: GantryRouter as gantryd runs it, for bench/router. Routes every request
// for `bench.localhost` to one backend and serves until killed (SIGTERM, SIGINT).
//
//     gantry-router-bench --backend-port 5000 [--backend-host 10.89.0.7] [--port 0] [--app bench]
//                         [--observer metrics|none] [--hosts N]
//                         [--https-port N --cert CHAIN.pem --key KEY.pem [--cert-names a,b]]
//
// --https-port terminates TLS there (as gantryd's --https-port) with the certificate chain and
// key of --cert/--key, presented for --cert-names (default `APP.localhost,127.0.0.1`: wrk sends
// the URL's host, an IP address, as its SNI); bench/tls compares it with nginx.
// --hosts N (default 1) puts N apps in the table, as gantryd's holds one per app: `--app` and
// N-1 others (`--app`-2 … -N, each with a backend of its own id on the same address), so that
// bench/density compares the router with 1 and with N hosts in the same run, on the same
// backend.
// --observer metrics (the default) gives the router the observer gantryd gives it in production:
// a GantryMetrics, which counts every finished request by app and status and records its latency
// in a histogram (Sources/gantryd/Gantryd.swift). --observer none runs the router without one.
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

let usage = "usage: gantry-router-bench --backend-port PORT [--backend-host ADDRESS] [--port PORT] [--app NAME] [--observer metrics|none] [--hosts N]"
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
let table = RouteTable()
table.setBackends(app: app, [Backend(id: "backend", host: backendHost, port: backendPort)])
for other in stride(from: 2, through: hosts, by: 1) {
    table.setBackends(app: try AppName("\(app.rawValue)-\(other)"), [Backend(id: "backend-\(other)", host: backendHost, port: backendPort)])
}
let observer: (any RouterObserver)?
switch options["observer"] ?? "metrics" {
case "metrics": observer = GantryMetrics()  // as gantryd: Router(table:configuration:observer: metrics)
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
print("listening on 127.0.0.1:\(port) (observer: \(observer == nil ? "none" : "metrics"), \(hosts) host\(hosts == 1 ? "" : "s")\(httpsNote))")
fflush(nil)
try await router.run()
