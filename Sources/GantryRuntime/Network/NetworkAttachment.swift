import Foundation

/// One container's place on the network: a network namespace joined to the bridge by the CNI
/// chain. Saved as JSON at every step of its set-up (in the network's records directory, or in
/// the bundle of the container using it), so that whatever a crash interrupts is detached at
/// the next start: the plugins' DEL needs the ADD's result to release what the ADD took.
struct NetworkAttachment: Codable, Hashable, Sendable {
    /// The CNI container id: the runtime's identity and a random part (unique among every
    /// gantryd of the host: `host-local` keys addresses by it).
    var id: String
    /// The bridge plugin's result, once it attached the namespace.
    var bridgeResult: String?
    /// The whole chain's result, once its last plugin finished.
    var result: String?
    /// Attached by the bridge plugin alone, the host's static rules masquerading and forwarding
    /// for every container (`HostFirewall`); absent in the records of older gantryds, whose
    /// chain added rules of the container's own, which its DELs must remove.
    var staticHostRules: Bool?

    /// `gantry-ID`, under `/run/netns` (`ip netns`).
    var namespaceName: String { "gantry-" + id }
    var namespacePath: String { "/run/netns/" + namespaceName }

    /// The container's IPv4 address.
    var address: String? { parsed?.address }
    /// The host's end of the container's veth pair (a port of the bridge).
    var hostInterface: String? { parsed?.hostInterface }

    private var parsed: (address: String, hostInterface: String?)? {
        guard let json = result ?? bridgeResult else { return nil }
        return Self.parse(json)
    }

    /// The address and host interface of a bridge plugin's result.
    static func parse(_ json: String) -> (address: String, hostInterface: String?)? {
        struct Result: Decodable {
            struct Interface: Decodable { var name: String, sandbox: String? }
            struct IP: Decodable { var address: String, interface: Int? }
            var interfaces: [Interface]?
            var ips: [IP]
        }
        guard let result = try? JSONDecoder().decode(Result.self, from: Data(json.utf8)),
            let ip = result.ips.first(where: { !$0.address.contains(":") }),
            let address = ip.address.split(separator: "/").first
        else { return nil }
        // The interfaces: the bridge, the host's veth, the container's eth0 (with a sandbox).
        let interfaces = result.interfaces ?? []
        let host = interfaces.dropFirst().first { $0.sandbox == nil }?.name
        return (String(address), host)
    }
}
