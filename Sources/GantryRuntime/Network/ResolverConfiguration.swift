import Foundation

/// The `/etc/resolv.conf` a container gets: the host's, without the resolvers a container
/// cannot reach. A loopback resolver (systemd-resolved's `127.0.0.53`, a local dnsmasq) is the
/// container's own loopback inside its namespace; so, as Docker does, the upstream servers
/// systemd-resolved lists are used instead, and public resolvers when there are none.
public enum ResolverConfiguration {
    public static let hostFile = "/etc/resolv.conf"
    public static let systemdResolvedFile = "/run/systemd/resolve/resolv.conf"
    public static let fallbackServers = ["1.1.1.1", "8.8.8.8"]

    /// The file's text, from the host's `resolv.conf` at `hostFile` (and systemd-resolved's
    /// upstream list at `upstreamFile` when the host's only resolvers are loopback addresses).
    public static func containerFile(hostFile: String = hostFile, upstreamFile: String = systemdResolvedFile) -> String {
        let host = read(hostFile)
        var servers = nameservers(in: host).filter { !isLoopback($0) }
        if servers.isEmpty { servers = nameservers(in: read(upstreamFile)).filter { !isLoopback($0) } }
        if servers.isEmpty { servers = fallbackServers }
        let others = host.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { line in
            line.hasPrefix("search ") || line.hasPrefix("domain ") || line.hasPrefix("options ")
        }
        return (others + servers.prefix(3).map { "nameserver " + $0 }).joined(separator: "\n") + "\n"
    }

    static func nameservers(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return fields.count >= 2 && fields[0] == "nameserver" ? String(fields[1]) : nil
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address == "0.0.0.0" || address == "::"
    }

    private static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 10 else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
