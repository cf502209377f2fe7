import Foundation
import GantryCore
import GantryRuntime
import GantryTesting
import Glibc
import Testing

/// Issue 11: each container in a network namespace of its own, as an unprivileged user with no
/// capabilities and a seccomp filter; nothing of its network left once it is gone.
@Suite(.serialized) struct ContainerIsolationTests {
    @Test func aContainerRunsAsItsUserWithNoCapabilityAndOnlyItsOwnInterfaces() async throws {
        let fixture = try RuntimeFixture()
        let (status, lines) = try await fixture.run(
            "t-who",
            "id -u; grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status; grep -o '^ *[a-z0-9]*:' /proc/net/dev; "
                + "echo ipv6 all=$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6) eth0=$(cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6) addresses=$(wc -l </proc/net/if_inet6)")
        #expect(status.isSuccess, "\(lines)")
        #expect(lines.first == String(AppUser.nobody))
        let capabilities = lines.filter { $0.hasPrefix("Cap") }
        #expect(capabilities.count == 4 && capabilities.allSatisfy { $0.hasSuffix("0000000000000000") }, "\(capabilities)")
        let interfaces = Set(lines.filter { $0.hasSuffix(":") }.map { String($0.filter { $0 != " " }) })
        #expect(interfaces == ["lo:", "eth0:"], "\(lines)")
        // IPv4 only: IPv6 is off in the namespace before its interfaces come up.
        #expect(lines.contains("ipv6 all=1 eth0=1 addresses=0"), "\(lines)")
        #expect(await fixture.attachedNetworks().isEmpty)
    }

    @Test func aStoppedContainersNamespaceWaitsWhileAppsChangeAndGoesOnceTheyPause() async throws {
        let fixture = try RuntimeFixture()
        let namespace = try await Background.changeWork { () async throws -> String in
            _ = try await fixture.runtime.start(fixture.spec("t-teardown", "exec sleep 60"), logFile: fixture.root + "/teardown.log")
            let record = try Data(contentsOf: URL(fileURLWithPath: fixture.root + "/containers/t-teardown/network.json"))
            let id = try #require(try JSONSerialization.jsonObject(with: record) as? [String: Any])["id"] as? String
            let namespace = "/run/netns/gantry-" + (id ?? "")
            await fixture.runtime.stop("t-teardown", grace: .zero)
            // Apps still change: the kernel's teardown work waits.
            try await Task.sleep(for: .seconds(2))
            #expect(FileManager.default.fileExists(atPath: namespace), "detached while change work ran")
            return namespace
        }
        // Once changes pause for a second (other tests' change work may run meanwhile: at most
        // a minute, `ContainerNetwork.releasedWait`).
        for _ in 0..<700 where FileManager.default.fileExists(atPath: namespace) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!FileManager.default.fileExists(atPath: namespace), "still attached after changes paused")
        #expect(await fixture.attachedNetworks().isEmpty)
    }

    @Test func theBundleAsksForTheUserNoCapabilitiesTheSeccompFilterAndTheCPULimit() async throws {
        let fixture = try RuntimeFixture()
        var spec = fixture.spec("t-bundle", "exec sleep 60")
        spec.cpuLimit = 0.5
        spec.isBackground = true
        _ = try await fixture.runtime.start(spec, logFile: fixture.root + "/bundle.log")
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture.root + "/containers/t-bundle/config.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let process = try #require(config["process"] as? [String: Any])
        #expect((process["user"] as? [String: Int]) == ["uid": AppUser.nobody, "gid": AppUser.nobody])
        #expect((process["capabilities"] as? [String: [String]])?.values.allSatisfy(\.isEmpty) == true)
        #expect(process["noNewPrivileges"] as? Bool == true)
        let linux = try #require(config["linux"] as? [String: Any])
        let namespaces = try #require(linux["namespaces"] as? [[String: String]])
        #expect(namespaces.contains { $0["type"] == "network" && $0["path"]?.hasPrefix("/run/netns/gantry-") == true })
        #expect(!namespaces.contains { $0["type"] == "user" })
        let refused = Set(((linux["seccomp"] as? [String: Any])?["syscalls"] as? [[String: Any]] ?? []).flatMap { $0["names"] as? [String] ?? [] })
        let required = [
            "mount", "umount2", "pivot_root", "ptrace", "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "keyctl", "add_key",
            "request_key", "unshare", "setns", "open_by_handle_at", "init_module", "finit_module", "delete_module", "swapon", "swapoff",
            "reboot", "acct", "settimeofday", "clock_settime", "clone", "clone3",
        ]
        #expect(required.filter { !refused.contains($0) }.isEmpty, "not in the filter: \(required.filter { !refused.contains($0) })")
        // The kernel holds the CPU limit: 50 ms of every 100 ms.
        // A background container's cgroup is under the idle one (`RuncRuntime.enableBackground`).
        let cgroup = "/sys/fs/cgroup/cpu/gantry-idle/\(fixture.runtime.network.identity)/t-bundle"
        let quota = (try? String(contentsOfFile: cgroup + "/cpu.cfs_quota_us", encoding: .utf8))
            ?? (try? String(contentsOfFile: "/sys/fs/cgroup/gantry-idle/\(fixture.runtime.network.identity)/t-bundle/cpu.max", encoding: .utf8))
        #expect(quota?.hasPrefix("50000") == true, "\(String(describing: quota))")
        await fixture.runtime.stop("t-bundle", grace: .zero)
        #expect(await fixture.attachedNetworks().isEmpty)
    }

    @Test func theSeccompFilterRefusesNamespacesAndMounts() async throws {
        let fixture = try RuntimeFixture()
        // An unprivileged process may create a user namespace (and, inside it, mount): not here.
        let (status, lines) = try await fixture.run("t-seccomp", "unshare -U -r true && echo USERNS-MADE; unshare -U -r mount -t tmpfs none /tmp && echo MOUNTED; echo done")
        #expect(status.isSuccess)
        #expect(lines.contains("done") && !lines.contains("USERNS-MADE") && !lines.contains("MOUNTED"), "\(lines)")
    }

    @Test func aContainerReachesNeitherTheHostNorAnotherContainer() async throws {
        let fixture = try RuntimeFixture()
        // A listener on every host address, and a detached container listening on its PORT.
        let listener = try HostListener()
        defer { listener.close() }
        let web = try await fixture.runtime.start(fixture.spec("t-target", "mkdir -p /tmp/www && exec busybox httpd -f -p $PORT -h /tmp/www"), logFile: fixture.root + "/target.log")
        let hosts = ["10.89.0.1"] + HostListener.hostAddresses().filter { !$0.contains(":") }
        let probes = hosts.map { "nc -w 1 \($0) \(listener.port) </dev/null && echo REACHED \($0)" } + ["nc -w 1 \(web.host) \(web.port) </dev/null && echo REACHED \(web.host)"]
        let (_, lines) = try await fixture.run("t-probe", probes.joined(separator: "; ") + "; echo done")
        #expect(lines.contains("done") && !lines.contains { $0.hasPrefix("REACHED") }, "\(lines)")
        // The host itself reaches the container (as the router and the health checks do).
        let fromHost = try HostListener.connects(to: web.host, port: web.port)
        #expect(fromHost)
        await fixture.runtime.stop("t-target", grace: .zero)
        #expect(await fixture.attachedNetworks().isEmpty)
    }

    @Test func aMissingCNIPluginFailsTheContainerNamingItAndLeavesNothing() async throws {
        let fixture = try RuntimeFixture(network: try NetworkConfiguration(pluginDirectory: "/nonexistent/cni"))
        let error = await #expect(throws: RuntimeError.self) { _ = try await fixture.run("t-noplugin", "true") }
        #expect(error?.reason.contains("no CNI plugin at /nonexistent/cni/") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("containernetworking-plugins") == true)
        #expect(await fixture.attachedNetworks().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/containers").isEmpty)
    }

    @Test func anExhaustedAddressPoolIsNamedAndLeavesNothing() async throws {
        // A /30 holds the bridge's address and one container's.
        let bridge = "gtest\(UInt16.random(in: 1000...65000))"
        let fixture = try RuntimeFixture(network: try NetworkConfiguration(bridge: bridge, subnet: "10.199.\(UInt8.random(in: 0...250)).0/30"))
        // The bridge, its addresses and the host's rules for it (HostFirewall's).
        func removeNetwork() async {
            for (tool, arguments) in [
                ("/sbin/ip", ["link", "delete", bridge]),
                ("/usr/sbin/iptables", ["-w", "-D", "INPUT", "-i", bridge, "-j", "GANTRY-INPUT"]),
                ("/usr/sbin/ip6tables", ["-w", "-D", "INPUT", "-i", bridge, "-j", "GANTRY-INPUT"]),
                ("/usr/sbin/iptables", ["-w", "-D", "FORWARD", "-j", "GANTRY-FWD-" + bridge]),
                ("/usr/sbin/iptables", ["-w", "-F", "GANTRY-FWD-" + bridge]),
                ("/usr/sbin/iptables", ["-w", "-X", "GANTRY-FWD-" + bridge]),
                ("/usr/sbin/iptables", ["-w", "-t", "nat", "-D", "POSTROUTING", "-j", "GANTRY-NAT-" + bridge]),
                ("/usr/sbin/iptables", ["-w", "-t", "nat", "-F", "GANTRY-NAT-" + bridge]),
                ("/usr/sbin/iptables", ["-w", "-t", "nat", "-X", "GANTRY-NAT-" + bridge]),
            ] {
                _ = try? await Shell.run(tool, arguments, errors: .inherited)
            }
            try? FileManager.default.removeItem(atPath: "/var/lib/cni/networks/" + bridge)
        }
        do {
            _ = try await fixture.runtime.start(fixture.spec("t-first", "exec sleep 60"), logFile: fixture.root + "/first.log")
            let error = await #expect(throws: RuntimeError.self) { _ = try await fixture.run("t-second", "true") }
            #expect(error?.reason.contains("no free address in the container network 10.199.") == true, "\(String(describing: error))")
            await fixture.runtime.stop("t-first", grace: .zero)
            #expect(await fixture.attachedNetworks().isEmpty)
            let (status, _) = try await fixture.run("t-third", "true")
            #expect(status.isSuccess, "the address is free again")
            // A stopped container's namespace waits to be detached, but gives up its address at
            // once to a container that needs it.
            _ = try await fixture.runtime.start(fixture.spec("t-fourth", "exec sleep 60"), logFile: fixture.root + "/fourth.log")
            try await Background.changeWork {
                await fixture.runtime.stop("t-fourth", grace: .zero)
                let (next, lines) = try await fixture.run("t-fifth", "true")
                #expect(next.isSuccess, "\(lines)")
            }
            #expect(await fixture.attachedNetworks().isEmpty)
        } catch {
            await removeNetwork()
            throw error
        }
        await removeNetwork()
    }

    @Test func containerResolversSkipLoopbackAddresses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("resolv-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let host = directory + "/resolv.conf", upstream = directory + "/upstream.conf"
        try "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.net\n".write(toFile: host, atomically: true, encoding: .utf8)
        try "nameserver 192.0.2.53\nnameserver ::1\n".write(toFile: upstream, atomically: true, encoding: .utf8)
        #expect(ResolverConfiguration.containerFile(hostFile: host, upstreamFile: upstream) == "options edns0 trust-ad\nsearch example.net\nnameserver 192.0.2.53\n")
        #expect(ResolverConfiguration.containerFile(hostFile: host, upstreamFile: directory + "/none").hasSuffix("nameserver 1.1.1.1\nnameserver 8.8.8.8\n"))
        try "nameserver 10.0.0.2\n".write(toFile: host, atomically: true, encoding: .utf8)
        #expect(ResolverConfiguration.containerFile(hostFile: host, upstreamFile: upstream) == "nameserver 10.0.0.2\n")
    }

    @Test func badNetworkSettingsAreRefusedNamingThem() {
        #expect(throws: RuntimeError.self) { try NetworkConfiguration(bridge: "Gantry0") }
        #expect(throws: RuntimeError.self) { try NetworkConfiguration(bridge: "a-bridge-name-too-long") }
        #expect(throws: RuntimeError.self) { try NetworkConfiguration(subnet: "10.89.0.0/31") }
        #expect(throws: RuntimeError.self) { try NetworkConfiguration(subnet: "10.89.0.0") }
        #expect(throws: RuntimeError.self) { try NetworkConfiguration(subnet: "fd00::/64") }
    }
}

/// A TCP listener on every host address (0.0.0.0) at a free port.
final class HostListener {
    let socket: Int32
    let port: Int

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound, listen(socket, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(socket) }

    /// Every address of the host's interfaces.
    static func hostAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        var cursor = list
        while let entry = cursor?.pointee {
            if let address = entry.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) {
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                    addresses.append(String(cString: host))
                }
            }
            cursor = entry.ifa_next
        }
        return addresses
    }

    /// Whether a TCP connection to `host:port` opens within a second.
    static func connects(to host: String, port: Int) throws -> Bool {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
