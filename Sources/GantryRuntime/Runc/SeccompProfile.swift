/// The seccomp filter runc installs in every container: everything is allowed except what a
/// web app, a build or a test never needs and an attacker would use to leave its box or touch
/// the kernel — refused with `EPERM` (`ENOSYS` for `clone3`, so that the C library falls back
/// to `clone`, whose flags a filter can read).
struct SeccompProfile: Encodable {
    struct Rule: Encodable {
        struct Argument: Encodable { var index: Int, value: UInt64, valueTwo: UInt64, op: String }
        var names: [String]
        var action = "SCMP_ACT_ERRNO"
        var errnoRet: Int
        var args: [Argument]?
    }

    var defaultAction = "SCMP_ACT_ALLOW"
    /// Every ABI of the host's architecture: a denylist must cover the 32-bit entry points
    /// too, or `int 0x80` would get around it.
    var architectures = Self.hostArchitectures
    var syscalls: [Rule]

    static let EPERM = 1
    static let ENOSYS = 38
    static let CLONE_NEWUSER: UInt64 = 0x1000_0000

    /// Refused outright.
    static let refused = [
        // file systems and the root
        "mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
        "mount_setattr", "quotactl", "quotactl_fd",
        // other processes
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        // the kernel
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf", "perf_event_open",
        "lookup_dcookie", "syslog", "userfaultfd", "iopl", "ioperm", "uselib", "nfsservctl", "vhangup",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        // keys
        "keyctl", "add_key", "request_key",
        // namespaces
        "unshare", "setns",
        // handles that bypass path permissions
        "open_by_handle_at", "name_to_handle_at",
        // the machine
        "swapon", "swapoff", "reboot", "acct", "settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime",
        "clock_adjtime64", "adjtimex",
    ]

    #if arch(arm64)
    static let hostArchitectures = ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
    #else
    static let hostArchitectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    #endif

    static let standard = SeccompProfile(syscalls: [
        Rule(names: refused, errnoRet: EPERM),
        Rule(names: ["clone3"], errnoRet: ENOSYS),
        // clone(2) creating a user namespace (the one namespace an unprivileged process may make).
        Rule(names: ["clone"], errnoRet: EPERM, args: [.init(index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: "SCMP_CMP_MASKED_EQ")]),
    ])
}
