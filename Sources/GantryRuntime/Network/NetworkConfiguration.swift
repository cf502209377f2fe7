import Foundation
import GantryCore

/// The container network: one Linux bridge, its IPv4 subnet, and the CNI reference plugin
/// that attaches each container to it (`bridge` with `host-local` addresses). Containers reach
/// the outside world through the host's NAT; the host itself, and every other container, they
/// do not (see `HostFirewall`).
public struct NetworkConfiguration: Hashable, Sendable {
    /// The bridge's name, also the CNI network's (its addresses are kept by `host-local` in
    /// `/var/lib/cni/networks/NAME`).
    public var bridge: String
    /// The containers' subnet in CIDR notation; the bridge holds its first address.
    public var subnet: String
    /// Where the CNI plugins are (Debian's `containernetworking-plugins`).
    public var pluginDirectory: String
    /// TCP ports of the host that containers may reach, as anyone may: the router's, when it
    /// listens on a public address (gantryd's `--router-host`). Nothing else of the host is.
    public var publicPorts: [Int] = []

    public static let defaultBridge = "gantry0"
    public static let defaultSubnet = "10.89.0.0/16"
    public static let defaultPluginDirectory = "/usr/lib/cni"

    /// `gantry0`, 10.89.0.0/16, Debian's plugins.
    public static let standard = NetworkConfiguration(validated: defaultBridge, subnet: defaultSubnet, pluginDirectory: defaultPluginDirectory)

    private init(validated bridge: String, subnet: String, pluginDirectory: String) {
        self.bridge = bridge
        self.subnet = subnet
        self.pluginDirectory = pluginDirectory
    }

    /// - Throws: `RuntimeError` naming the bad bridge name or subnet.
    public init(bridge: String = defaultBridge, subnet: String = defaultSubnet, pluginDirectory: String = defaultPluginDirectory) throws(RuntimeError) {
        guard !bridge.isEmpty, bridge.utf8.count <= 15,
            bridge.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            throw RuntimeError(container: "network", reason: "bridge name '\(bridge)' must be 1–15 lower-case letters, digits or '-'")
        }
        guard Self.isIPv4Subnet(subnet) else {
            throw RuntimeError(container: "network", reason: "container subnet '\(subnet)' is not an IPv4 CIDR such as 10.89.0.0/16 (prefix 8–30)")
        }
        self.bridge = bridge
        self.subnet = subnet
        self.pluginDirectory = pluginDirectory
    }

    /// Whether `text` is `A.B.C.D/N` with 8 ≤ N ≤ 30 (room for a gateway and a container).
    static func isIPv4Subnet(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (8...30).contains(prefix) else { return false }
        var address = in_addr()
        return inet_pton(AF_INET, String(parts[0]), &address) == 1
    }

    /// The CNI spec version Gantry speaks (plugins 1.1 support it).
    static let cniVersion = "1.0.0"

    /// The plugin chain, in ADD order, each plugin's configuration as JSON: the bridge plugin
    /// alone. Masquerading and forwarding are the host's static rules (`HostFirewall`), not
    /// rules of each container: those were an iptables transaction per plugin call, and their
    /// kernel work (nf_tables commits and their clean-up, which no CPU cgroup holds back) was
    /// the largest part of what slowed the router while apps changed (bench/load).
    var plugins: [(type: String, configuration: String)] { plugins(perContainerRules: false) }

    /// The chain that attached a namespace: with `perContainerRules`, the one before the host's
    /// static rules (the bridge plugin masquerading, then the firewall plugin), which its DELs
    /// must undo.
    func plugins(perContainerRules: Bool) -> [(type: String, configuration: String)] {
        var chain: [(String, [String: Any])] = [
            ("bridge", [
                "type": "bridge", "bridge": bridge, "isGateway": true, "ipMasq": perContainerRules, "hairpinMode": false,
                "ipam": ["type": "host-local", "ranges": [[["subnet": subnet]]], "routes": [["dst": "0.0.0.0/0"]]],
            ])
        ]
        if perContainerRules { chain.append(("firewall", ["type": "firewall", "backend": "iptables"])) }
        return chain.map { ($0.0, Self.json($0.1)) }
    }

    /// The loopback plugin's network: brings the namespace's `lo` up.
    static let loopback = #"{"type":"loopback"}"#

    private static func json(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }
}
