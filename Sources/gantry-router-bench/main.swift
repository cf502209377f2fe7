// gantry-router-bench: GantryRouter alone, for bench/router. Routes every request for
// `bench.localhost` to one backend port and serves until killed (SIGTERM, SIGINT).
//
//     gantry-router-bench --backend-port 8081 [--port 0] [--app bench]
//
// Prints `listening on 127.0.0.1:PORT` once it accepts connections.
import GantryCore
import GantryRouter

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else {
        print("usage: gantry-router-bench --backend-port PORT [--port PORT] [--app NAME]")
        exit(1)
    }
    options[String(name.dropFirst(2))] = value
}
guard let backendPort = options["backend-port"].flatMap(Int.init) else {
    print("gantry-router-bench: --backend-port PORT is required")
    exit(1)
}
let app = try AppName(options["app"] ?? "bench")
let table = RouteTable()
table.setBackends(app: app, [Backend(id: "backend", port: backendPort)])
let router = Router(table: table, configuration: RouterConfiguration(host: "127.0.0.1", port: options["port"].flatMap(Int.init) ?? 0))
let port = try await router.start()
print("listening on 127.0.0.1:\(port)")
fflush(nil)
try await router.run()
