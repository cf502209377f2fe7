import Foundation
import GantryCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The host's side of container isolation, set up once per bridge (idempotent; several
/// gantryds share it):
///
/// - the bridge exists with IPv6 off (no link-local address of the host on it);
/// - `INPUT`: nothing that comes in through the bridge reaches the host, only replies to
///   connections the host opened (the router's, the health checks') and the public ports (a
///   router published on a public address): not gantryd's HTTP or SSH port, not anything else
///   listening on any host address (iptables and ip6tables);
/// - `CNI-ADMIN` (the firewall plugin's chain for administrators' rules, consulted before it
///   accepts a container's traffic): nothing is forwarded from the bridge back into it, so a
///   container cannot reach another through the host. Bridged traffic between containers is
///   stopped by isolating each container's port on the bridge (`ContainerNetwork`).
enum HostFirewall {
    static let inputChain = "GANTRY-INPUT"

    static func ensure(bridge: String, publicPorts: [Int]) async throws(RuntimeError) {
        try await ensureBridge(bridge)
        for tool in ["iptables", "ip6tables"] {
            try await run(tool, ["-N", inputChain], tolerating: "exists")
            if tool == "iptables" {
                try await ensureRule(tool, chain: inputChain, ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"], first: true)
                for port in publicPorts {
                    try await ensureRule(tool, chain: inputChain, ["-p", "tcp", "--dport", String(port), "-j", "ACCEPT"], first: true)
                }
            }
            try await ensureRule(tool, chain: inputChain, ["-j", "DROP"], first: false)
            try await ensureRule(tool, chain: "INPUT", ["-i", bridge, "-j", inputChain], first: true)
        }
        try await run("iptables", ["-N", "CNI-ADMIN"], tolerating: "exists")
        try await ensureRule("iptables", chain: "CNI-ADMIN", ["-i", bridge, "-o", bridge, "-j", "DROP"], first: true)
    }

    /// Creates the bridge the way the bridge plugin would, but with IPv6 disabled first.
    private static func ensureBridge(_ bridge: String) async throws(RuntimeError) {
        if !FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)") {
            try await run("ip", ["link", "add", "name", bridge, "type", "bridge"], tolerating: "exists")
        }
        let sysctl = "/proc/sys/net/ipv6/conf/\(bridge)/disable_ipv6"
        if FileManager.default.fileExists(atPath: sysctl) {
            do { try "1".write(toFile: sysctl, atomically: false, encoding: .utf8) } catch {
                throw RuntimeError(container: "network", reason: "cannot disable IPv6 on bridge \(bridge): \(error.localizedDescription)")
            }
        }
        try await run("ip", ["link", "set", bridge, "up"])
    }

    private static func ensureRule(_ tool: String, chain: String, _ rule: [String], first: Bool) async throws(RuntimeError) {
        if (try? await run(tool, ["-C", chain] + rule)) != nil { return }
        try await run(tool, (first ? ["-I", chain, "1"] : ["-A", chain]) + rule)
    }

    /// Runs `tool` (with `-w` for iptables: wait for the xtables lock other gantryds or CNI
    /// plugins hold); an error whose message contains `tolerating` counts as done.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], tolerating: String? = nil) async throws(RuntimeError) -> String {
        let full = tool.hasSuffix("tables") ? ["-w"] + arguments : arguments
        let status: TerminationStatus
        let output: String
        let message: String
        do {
            let result = try await Subprocess.run(.name(tool), arguments: Arguments(full), output: .string(limit: 1 << 20), error: .string(limit: 64 << 10))
            status = result.terminationStatus
            output = result.standardOutput
            message = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw RuntimeError(container: "network", reason: "cannot run \(tool): \(error) (make setup installs iptables and iproute2)")
        }
        guard case .exited(0) = status else {
            if let tolerating, message.lowercased().contains(tolerating) { return "" }
            throw RuntimeError(container: "network", reason: "\(tool) \(full.joined(separator: " ")) failed: \(message)")
        }
        return output
    }
}
