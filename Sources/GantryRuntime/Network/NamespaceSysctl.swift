import Foundation
import GantryCore
import Glibc

/// Sysctls of a network namespace, written from inside it: `/proc/sys/net` shows the namespace
/// of the thread that reads it, and `setns` moves only the calling thread — so a thread of its
/// own joins the namespace, writes, and ends there, and no other thread of gantryd ever runs
/// in a container's namespace.
enum NamespaceSysctl {
    /// Turns IPv6 off in the namespace at `path` (`all`, and `default` for the interfaces made
    /// after: the bridge plugin's `eth0`), before any of them comes up: containers have IPv4
    /// only, and the kernel is spared each new interface's duplicate address detection,
    /// multicast listener reports and router solicitations, and their clean-up when the
    /// namespace goes — work in the kernel's own queues, which no CPU cgroup holds back.
    /// Nothing to do where the kernel has no IPv6.
    /// - Throws: `RuntimeError` naming the namespace and the failed step.
    static func disableIPv6(in path: String) async throws(RuntimeError) {
        guard FileManager.default.fileExists(atPath: "/proc/sys/net/ipv6") else { return }
        let failure: String? = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: write("1", to: ["all", "default"].map { "/proc/sys/net/ipv6/conf/\($0)/disable_ipv6" }, inside: path)) }.start()
        }
        if let failure {
            throw RuntimeError(container: "network", reason: "cannot turn IPv6 off in \(path): \(failure)")
        }
    }

    /// On the calling thread, which stays in the namespace: joins it and writes `value` to each
    /// of `files`. - Returns: what failed, or `nil`.
    private static func write(_ value: String, to files: [String], inside namespace: String) -> String? {
        let descriptor = open(namespace, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "open: \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        guard setns(descriptor, newNetworkNamespace) == 0 else { return "setns: \(String(cString: strerror(errno)))" }
        for file in files {
            let output = open(file, O_WRONLY | O_CLOEXEC)
            guard output >= 0 else { return "\(file): \(String(cString: strerror(errno)))" }
            defer { close(output) }
            guard Glibc.write(output, value, value.utf8.count) == value.utf8.count else { return "\(file): \(String(cString: strerror(errno)))" }
        }
        return nil
    }

    /// `CLONE_NEWNET`.
    private static let newNetworkNamespace: Int32 = 0x4000_0000
}

/// glibc's `setns` (2.14 and later), which its Swift module does not export.
@_silgen_name("setns") private func setns(_ descriptor: Int32, _ type: Int32) -> Int32
