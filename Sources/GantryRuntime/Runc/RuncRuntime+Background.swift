import Foundation
import GantryCore

extension RuncRuntime {
    /// The cgroup of this runtime's change work: its build and test containers and gantryd's
    /// own background work (`Background`), under `/gantry-idle`, which has `cpu.idle` set once
    /// `enableBackground` ran.
    var backgroundCgroupParent: String { "/gantry-idle/" + network.identity }

    /// Where a container's cgroups are, under each controller's hierarchy: background
    /// containers under the idle cgroup, the others under `cgroupParent`.
    func cgroupsPath(of spec: ContainerSpec) -> String {
        (spec.isBackground ? backgroundCgroupParent : cgroupParent) + "/" + spec.id
    }

    /// Creates the idle CPU cgroup right under the CPU hierarchy's root (cgroup v1's `cpu`
    /// controller, else v2's), with `cpu.idle` set, and `Background` uses it from now on: the
    /// change work of gantryd, and the build and test containers started from now on, run
    /// there (see `Background`). Undone by `removeCgroupParent`.
    /// - Returns: why it could not, or `nil`.
    public func enableBackground() -> String? {
        let v1 = "/sys/fs/cgroup/cpu"
        let root = FileManager.default.fileExists(atPath: v1 + "/cpu.idle") ? v1 : "/sys/fs/cgroup"
        let isV1 = root == v1
        let idle = root + "/gantry-idle"
        let own = root + backgroundCgroupParent
        let work = own + "/gantryd"
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            if !isV1 {
                // cgroup v2: a controller reaches a child only when its parent hands it down.
                for parent in [root, idle, own] { try? "+cpu".write(toFile: parent + "/cgroup.subtree_control", atomically: false, encoding: .utf8) }
            }
            try "1".write(toFile: idle + "/cpu.idle", atomically: false, encoding: .utf8)
        } catch {
            return "cannot make the idle cgroup \(idle): \(error.localizedDescription)"
        }
        // Threads move alone only in cgroup v1, to and from gantryd's own CPU cgroup.
        var homeTasks: String?
        if isV1, let lines = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) {
            for line in lines.split(separator: "\n") {
                let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3, fields[1].split(separator: ",").contains("cpu") else { continue }
                homeTasks = root + (fields[2] == "/" ? "" : String(fields[2])) + "/tasks"
            }
        }
        Background.enable(processes: work + "/cgroup.procs", idleTasks: isV1 ? work + "/tasks" : nil, homeTasks: homeTasks)
        return nil
    }

    /// `cpu.shares` of a web process booting in the idle cgroup (`setBackground`): an eighth of
    /// its siblings' 1024 — the build and test containers, gantryd's own change work — so that,
    /// where they want the same CPU, the push's tests come first. (When the boot had 1024 and
    /// the tests' container 128, pytest ran 11% longer beside a boot than without one, 0.653 s
    /// against 0.580 s; with these shares 0.513 s against 0.510 s — 5 warm pushes each.)
    static let bootingCPUShares = 128

    /// Moves container `id`'s processes between its own CPU cgroup and one of the same name
    /// under the idle cgroup: in cgroup v1's `cpu` hierarchy only, where processes change CPU
    /// cgroup alone and runc's record of the container's cgroups (memory, pids, devices — which
    /// `runc kill` reads) stays true. Its own CPU cgroup keeps its limit meanwhile. Nothing on
    /// cgroup v2, or before `enableBackground`.
    public func setBackground(_ id: String, _ background: Bool) async {
        let hierarchy = "/sys/fs/cgroup/cpu"
        guard ContainerSpec.isValidID(id), Background.isEnabled, FileManager.default.fileExists(atPath: hierarchy + "/gantry-idle/cpu.idle") else { return }
        let own = hierarchy + cgroupParent + "/" + id
        let idle = hierarchy + backgroundCgroupParent + "/" + id
        if background {
            mkdir(idle, 0o755)
            CgroupFile.write(String(Self.bootingCPUShares), to: idle + "/cpu.shares")
        }
        let (from, to) = background ? (own, idle) : (idle, own)
        // Until none is left behind: a process forked during a pass may start in `from`.
        for _ in 0..<10 {
            let processes = CgroupFile.processes(in: from)
            if processes.isEmpty { break }
            for process in processes { CgroupFile.write(String(process), to: to + "/cgroup.procs") }
        }
        if !background { rmdir(idle) }
    }

    /// Removes what is left of container `id`'s cgroups, in every hierarchy, under either
    /// parent, once its killed processes have left them (a second at most): the idle CPU
    /// cgroup `setBackground` made, and those of a `runc run` killed before it recorded the
    /// container (a cancelled run on a loaded host: `runc delete` then knows nothing of them).
    /// Processes still in them (that run's init, which nothing recorded either) are killed:
    /// the cgroups bear the container's name, whatever is in them is the container's.
    func removeCgroups(_ id: String) async {
        for hierarchy in Self.cgroupHierarchies {
            for parent in [cgroupParent, backgroundCgroupParent] {
                let cgroup = hierarchy + parent + "/" + id
                for process in CgroupFile.processes(in: cgroup) { Glibc.kill(process, SIGKILL) }
                for _ in 0..<50 where rmdir(cgroup) != 0 && errno == EBUSY {
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }
}
