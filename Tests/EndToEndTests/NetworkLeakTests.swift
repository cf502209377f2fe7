import Foundation
import GantryClient
import GantryRuntime
import Testing

/// Issue 11: `DEL` on every path that removes a container. A hundred deploys (a push's build,
/// test and web containers, then 99 config changes, each a new release whose web process
/// replaces the last), an `apps:destroy` and gantryd's stop leave no veth, address, iptables
/// rule or namespace behind. In the load pass: it counts what the whole host has.
@Suite(.serialized) struct NetworkLeakTests {
    @Test func aHundredDeploysLeaveNoNamespaceAddressVethOrRuleBehind() async throws {
        let before = HostNetworkState.now()
        try await withDaemon { gantry in
            try await gantry.createApp("leaky")
            let (repo, _) = try await gantry.makeRepo("leaky", template: "static")
            let push = try await repo.push(gantry.remote("leaky"), ["main"])
            try #require(push.succeeded, "\(push.stderr)")
            for deploy in 2...100 {
                _ = try await gantry.api.changeConfig(app: "leaky", set: ["DEPLOY": String(deploy)], deploy: true)
            }
            #expect(try await gantry.get("leaky").status == 200)
            // One web process, its namespace, and those kept ready: nothing else, once the old
            // processes have retired, their namespaces are detached and the pool is full again
            // (the namespace count alone passes the mark on the way, while the pool refills).
            let expected = 1 + ContainerNetwork.gantrydPoolSize
            try await gantry.eventually("the old releases' namespaces to be detached", within: .seconds(60)) {
                let state = HostNetworkState.now()
                return [state.namespaces - before.namespaces, state.bridgePorts - before.bridgePorts, state.addresses - before.addresses]
                    == [expected, expected, expected]
            }
            let settled = HostNetworkState.now()
            #expect(settled.rules == before.rules, "no iptables rule of a container's own: \(settled) vs \(before)")
            try await gantry.api.destroyApp("leaky")
        }
        // gantryd stopped (its ready namespaces detached), the harness removed what it left.
        #expect(HostNetworkState.now() == before)
    }
}

/// What the container network holds on this host: namespaces in /run/netns, ports of the
/// bridge, addresses host-local handed out, iptables rules (filter and nat) other than the
/// host's static ones (`GANTRY-…`, set up once by the first gantryd: none is a container's).
struct HostNetworkState: Equatable, CustomStringConvertible {
    var namespaces: Int
    var bridgePorts: Int
    var addresses: Int
    var rules: Int

    static func now(bridge: String = "gantry0") -> HostNetworkState {
        let list = { (path: String) in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
        return HostNetworkState(
            namespaces: list("/run/netns").filter { $0.hasPrefix("gantry-") }.count,
            bridgePorts: list("/sys/class/net/\(bridge)/brif").count,
            addresses: list("/var/lib/cni/networks/\(bridge)").filter { $0.first?.isNumber == true }.count,
            rules: (iptables(["-S"]) + iptables(["-t", "nat", "-S"])).filter { !$0.contains("GANTRY-") }.count)
    }

    private static func iptables(_ arguments: [String]) -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/iptables")
        process.arguments = ["-w"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    var description: String {
        "namespaces \(namespaces), bridge ports \(bridgePorts), addresses \(addresses), iptables rules \(rules)"
    }
}
