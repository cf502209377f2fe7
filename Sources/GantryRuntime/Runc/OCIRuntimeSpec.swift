import GantryCore
import Glibc

/// The subset of the OCI runtime spec (config.json) Gantry writes for runc.
struct OCIRuntimeSpec: Encodable {
    struct Process: Encodable {
        struct User: Encodable { var uid: Int, gid: Int }
        struct Capabilities: Encodable { var bounding, effective, permitted: [String] }
        struct Rlimit: Encodable { var type: String, hard: UInt64, soft: UInt64 }
        struct ConsoleSize: Encodable { var height: Int, width: Int }
        var terminal = false
        /// The terminal's first size, set by runc before the process starts (later sizes
        /// follow SIGWINCH); absent without a terminal.
        var consoleSize: ConsoleSize?
        var user: User
        var args: [String]
        var env: [String]
        var cwd: String
        var capabilities: Capabilities
        var rlimits: [Rlimit]
        var noNewPrivileges = true
    }
    struct Root: Encodable { var path: String, readonly: Bool }
    struct MountEntry: Encodable { var destination, type, source: String, options: [String] }
    struct Linux: Encodable {
        struct Resources: Encodable {
            struct Memory: Encodable { var limit: Int, swap: Int }
            struct Pids: Encodable { var limit: Int }
            struct CPU: Encodable { var quota: Int, period: Int }
            var memory: Memory
            var pids: Pids
            var cpu: CPU?
        }
        struct Namespace: Encodable { var type: String, path: String? = nil }
        var cgroupsPath: String
        var resources: Resources
        var namespaces: [Namespace]
        var maskedPaths: [String]
        var readonlyPaths: [String]
        var seccomp = SeccompProfile.standard
    }

    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String
    var mounts: [MountEntry]
    var linux: Linux

    /// No capability at all, in any set: every process runs as its app's unprivileged uid, and
    /// none needs one (a web process listens on a port above 1024; the buildpacks compile,
    /// install packages and run tests as that user — measured with each bundled buildpack).
    static let capabilities: [String] = []

    /// The CFS period of a CPU limit: 100 ms, the kernel's default.
    static let cpuPeriod = 100_000

    /// 65536 open files, or less when gantryd's own hard limit is lower (a container cannot
    /// be given more than its parent has).
    static let openFilesLimit: UInt64 = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return min(65536, UInt64(limit.rlim_max))
    }()

    /// Options of every bind mount (`/app`, `/cache`, `/env` …): their files were written by
    /// builds, so a setuid binary or a device node in them must grant nothing.
    static func bindOptions(readOnly: Bool) -> [String] {
        ["rbind", readOnly ? "ro" : "rw", "nosuid", "nodev"]
    }

    /// The spec for `container`, whose root file system is mounted at `rootfs` (relative to the
    /// bundle), its cgroups at `cgroupsPath`, joining the network namespace at `networkNamespace`.
    /// Its `/etc/hosts`, `/etc/resolv.conf` and `/etc/passwd` are written into its upper
    /// directory (`ContainerFiles`).
    init(_ container: ContainerSpec, rootfs: String, cgroupsPath: String, networkNamespace: String) {
        process = Process(
            terminal: container.terminal != nil,
            consoleSize: container.terminal.map { Process.ConsoleSize(height: $0.rows, width: $0.columns) },
            user: .init(uid: container.user, gid: container.user),
            args: container.arguments,
            env: container.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            cwd: container.workingDirectory,
            capabilities: .init(bounding: Self.capabilities, effective: Self.capabilities, permitted: Self.capabilities),
            rlimits: [.init(type: "RLIMIT_NOFILE", hard: Self.openFilesLimit, soft: Self.openFilesLimit)])
        root = Root(path: rootfs, readonly: false)
        hostname = container.hostname
        mounts = [
            MountEntry(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            MountEntry(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            MountEntry(destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            MountEntry(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            MountEntry(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            MountEntry(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            MountEntry(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]),
        ] + container.mounts.map {
            MountEntry(destination: $0.destination, type: "bind", source: $0.source, options: Self.bindOptions(readOnly: $0.readOnly))
        }
        linux = Linux(
            cgroupsPath: cgroupsPath,
            resources: .init(
                memory: .init(limit: container.memoryLimitBytes, swap: container.memoryLimitBytes),
                pids: .init(limit: container.pidsLimit),
                cpu: container.cpuLimit.map { .init(quota: max(1000, Int($0 * Double(Self.cpuPeriod))), period: Self.cpuPeriod) }),
            namespaces: ["pid", "ipc", "uts", "mount"].map { Linux.Namespace(type: $0) } + [Linux.Namespace(type: "network", path: networkNamespace)],
            maskedPaths: [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            ],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
    }
}
