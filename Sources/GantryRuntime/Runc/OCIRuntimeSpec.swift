import GantryCore
import Glibc

/// The subset of the OCI runtime spec (config.json) Gantry writes for runc.
struct OCIRuntimeSpec: Encodable {
    struct Process: Encodable {
        struct User: Encodable { var uid = 0, gid = 0 }
        struct Capabilities: Encodable { var bounding, effective, permitted: [String] }
        struct Rlimit: Encodable { var type: String, hard: UInt64, soft: UInt64 }
        var terminal = false
        var user = User()
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
            var memory: Memory
            var pids: Pids
        }
        struct Namespace: Encodable { var type: String }
        var cgroupsPath: String
        var resources: Resources
        var namespaces: [Namespace]
        var maskedPaths: [String]
        var readonlyPaths: [String]
    }

    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String
    var mounts: [MountEntry]
    var linux: Linux

    /// Docker's default capability set: enough for package managers and compilers, no more.
    static let capabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

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
    /// bundle), its cgroups at `cgroupsPath`.
    /// The container shares the host's network namespace (each process gets its own `PORT`), and
    /// sees the host's DNS and hosts files read-only.
    init(_ container: ContainerSpec, rootfs: String, cgroupsPath: String) {
        process = Process(
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
            MountEntry(destination: "/etc/resolv.conf", type: "bind", source: "/etc/resolv.conf", options: ["rbind", "ro"]),
            MountEntry(destination: "/etc/hosts", type: "bind", source: "/etc/hosts", options: ["rbind", "ro"]),
        ] + container.mounts.map {
            MountEntry(destination: $0.destination, type: "bind", source: $0.source, options: Self.bindOptions(readOnly: $0.readOnly))
        }
        linux = Linux(
            cgroupsPath: cgroupsPath,
            resources: .init(
                memory: .init(limit: container.memoryLimitBytes, swap: container.memoryLimitBytes),
                pids: .init(limit: container.pidsLimit)),
            namespaces: ["pid", "ipc", "uts", "mount"].map(Linux.Namespace.init),
            maskedPaths: [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            ],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
    }
}
