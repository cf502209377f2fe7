import Foundation
import GantryCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The host's side of container isolation, set up once per bridge (idempotent; several
/// gantryds share it), in static rules — none is added or removed per container, since an
/// iptables transaction's kernel work is not held back by any CPU cgroup (bench/load):
///
/// - the bridge exists with IPv6 off (no link-local address of the host on it);
/// - `INPUT`: nothing that comes in through the bridge reaches the host, only replies to
///   connections the host opened (the router's, the health checks') and the public ports (a
///   router published on a public address): not gantryd's HTTP or SSH port, not anything else
///   listening on any host address (iptables and ip6tables);
/// - `FORWARD` (`GANTRY-FWD-BRIDGE`, first): nothing from the bridge back into it, so a
///   container cannot reach another through the host; replies to the containers' own
///   connections in; nothing new in; the containers' traffic out. Bridged traffic between
///   containers is stopped by isolating each container's port on the bridge
///   (`ContainerNetwork`);
/// - `POSTROUTING` (`GANTRY-NAT-BRIDGE`): what leaves the subnet for outside is masqueraded.
enum HostFirewall {
    static let inputChain = "GANTRY-INPUT"

    static func ensure(bridge: String, subnet: String, publicPorts: [Int]) async throws(RuntimeError) {
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
        let forward = "GANTRY-FWD-" + bridge
        try await replaceChain(forward, table: "filter", [
            "-i \(bridge) -o \(bridge) -j DROP",
            "-o \(bridge) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-o \(bridge) -j DROP",
            "-i \(bridge) -j ACCEPT",
        ])
        try await ensureRule("iptables", chain: "FORWARD", ["-j", forward], first: true)
        let nat = "GANTRY-NAT-" + bridge
        try await replaceChain(nat, table: "nat", [
            "! -s \(subnet) -j RETURN",
            "-d \(subnet) -j RETURN",
            "-d 224.0.0.0/4 -j RETURN",
            "-j MASQUERADE",
        ])
        try await ensureRule("iptables", table: "nat", chain: "POSTROUTING", ["-j", nat], first: false)
    }

    /// Gives `chain` of `table` exactly `rules` (iptables-restore syntax, without `-A CHAIN`), in
    /// one transaction: created or flushed and filled at once, so that a gantryd starting while
    /// another serves never leaves the chain half filled.
    private static func replaceChain(_ chain: String, table: String, _ rules: [String]) async throws(RuntimeError) {
        let text = (["*\(table)", ":\(chain) - [0:0]"] + rules.map { "-A \(chain) " + $0 } + ["COMMIT", ""]).joined(separator: "\n")
        try await run("iptables-restore", ["--noflush"], input: text)
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

    private static func ensureRule(_ tool: String, table: String = "filter", chain: String, _ rule: [String], first: Bool) async throws(RuntimeError) {
        if (try? await run(tool, ["-t", table, "-C", chain] + rule)) != nil { return }
        try await run(tool, ["-t", table] + (first ? ["-I", chain, "1"] : ["-A", chain]) + rule)
    }

    /// Runs `tool` (with `-w` for iptables: wait for the xtables lock other gantryds or CNI
    /// plugins hold), `input` on its standard input; an error whose message contains
    /// `tolerating` counts as done.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], input: String = "", tolerating: String? = nil) async throws(RuntimeError) -> String {
        let full = tool.hasSuffix("tables") || tool.hasSuffix("tables-restore") ? ["-w"] + arguments : arguments
        let status: TerminationStatus
        let output: String
        let message: String
        do {
            let result = try await Subprocess.run(
                .path(FilePath(ExecutableLookup.path(of: tool))), arguments: Arguments(full), input: .string(input), output: .string(limit: 1 << 20), error: .string(limit: 64 << 10))
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
