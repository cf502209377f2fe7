import Foundation
import GantryCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Moving a process into a cgroup takes one kernel-wide lock (`cgroup_threadgroup_rwsem`)
/// whose writer, after a pause, waits for an RCU grace period: 6–18 ms measured on this
/// project's hosts for each move of a change-work thread or subprocess into the idle cgroup
/// (`Background`), and once more for every container runc starts. A push makes several such
/// moves one after another on its path. The cgroup2 mount option `favordynmods` keeps that lock
/// ready for writers: a move then takes 0.2–0.3 ms; forks and exits pay an atomic operation
/// more. It is host-wide, like the bridge and rules gantryd sets up, and stays until the
/// hierarchy is mounted again.
public enum CgroupMoves {
    /// Turns `favordynmods` on for each cgroup2 hierarchy of the host (the unified one of a
    /// hybrid set-up included; cgroup v1 hierarchies take it only when they are mounted).
    /// - Returns: one line per hierarchy for gantryd's log: what it did, or why it could not.
    public static func favor(mounts: String = "/proc/self/mounts") async -> [String] {
        let table = (try? String(contentsOfFile: mounts, encoding: .utf8)) ?? ""
        var said: [String] = []
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, fields[2] == "cgroup2" else { continue }
            let target = String(fields[1])
            if fields[3].split(separator: ",").contains("favordynmods") { continue }
            // util-linux's mount keeps the hierarchy's other options (nsdelegate, …) and flags.
            let status = try? await Subprocess.run(
                .path(FilePath("/bin/mount")), arguments: ["-o", "remount,favordynmods", target],
                output: .discarded, error: .string(limit: 4096))
            if case .exited(0)? = status?.terminationStatus {
                said.append("cgroup moves without waiting for the kernel: favordynmods on \(target)")
            } else {
                let reason = status.map { $0.standardError.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "mount did not run"
                said.append("cgroup moves wait for the kernel (favordynmods on \(target) refused: \(reason))")
            }
        }
        return said
    }
}
