"""Run one process in a runc container by hand: the floor the benchmarks compare Gantry with.

Python 3 standard library, `mount`/`umount` (util-linux) and `runc`. Must run as root.

A `Bundle` is an OCI bundle in a directory of its own:

    DIR/config.json   written here (minimal runtime spec, see `config()`)
    DIR/rootfs        overlayfs: lowerdir = the stack's unpacked root, upperdir/workdir below
    DIR/upper, DIR/work

The container shares the host's network namespace (new pid, ipc, uts and mount namespaces
only), or joins the one at `network_namespace` (see cni_netns.py); it sees the host's
/etc/resolv.conf (or the file `resolv_conf`) and /etc/hosts read-only, and gets the bind mounts
it is given. Every bundle, container and mount made through this module is remembered and
removed by `cleanup_all()` (register it with atexit), also when a run fails halfway.
"""

import json
import os
import re
import resource
import shutil
import subprocess
import time

RUNC = os.environ.get("RUNC", "runc")

# Docker's default capability set, the one Gantry's build containers get too.
CAPABILITIES = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

_bundles = []  # every Bundle made, for cleanup_all()


def mount_points():
    """Mount points of this mount namespace, from /proc/self/mountinfo (escapes decoded)."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            field = line.split(" ")[4]
            points.append(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field))
    return points


def unmount(path):
    """Unmounts `path` if it is a mount point (lazily when busy). True when nothing is left."""
    path = os.path.realpath(path)
    for _attempt in range(3):
        if path not in mount_points():
            return True
        if subprocess.run(["umount", path], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", path], capture_output=True)
    return path not in mount_points()


def unmount_all_under(directory):
    """Unmounts every mount point at or below `directory`, deepest first.

    Returns the mount points that could not be unmounted (empty when all went).
    """
    directory = os.path.realpath(directory)
    left = []
    for point in sorted(set(mount_points()), key=len, reverse=True):
        if point == directory or point.startswith(directory + "/"):
            if not unmount(point):
                left.append(point)
    return left


def runc_delete(container_id):
    subprocess.run([RUNC, "delete", "-f", container_id], capture_output=True)


def runc_ids():
    """The ids of the containers runc knows (its default state root)."""
    result = subprocess.run([RUNC, "list", "-q"], capture_output=True, text=True)
    return result.stdout.split() if result.returncode == 0 else []


class Bundle:
    """An OCI bundle whose root is an overlay of `lower` and a fresh upper directory."""

    def __init__(self, directory, lower, *, args, env, cwd="/", binds=(), hostname="bench",
                 network_namespace=None, resolv_conf=None):
        """`binds`: (host path, container path, read_only) triples. `env`: a dict.
        `network_namespace`: a path such as /run/netns/NAME to join (default: the host's).
        `resolv_conf`: the host file mounted at /etc/resolv.conf (default: the host's)."""
        self.network_namespace = network_namespace
        self.resolv_conf = resolv_conf or "/etc/resolv.conf"
        self.directory = os.path.realpath(directory)
        self.lower = os.path.realpath(lower)
        self.rootfs = os.path.join(self.directory, "rootfs")
        self.args, self.env, self.cwd, self.binds, self.hostname = args, env, cwd, binds, hostname
        self.ids = []
        self.mounted = False
        _bundles.append(self)
        for path in (self.lower, self.directory):
            if "," in path or ":" in path:
                raise RuntimeError(f"overlay paths cannot contain ',' or ':': {path}")
        for name in ("rootfs", "upper", "work"):
            os.makedirs(os.path.join(self.directory, name), exist_ok=True)
        with open(os.path.join(self.directory, "config.json"), "w") as f:
            json.dump(self.config(), f, indent=2)

    def config(self):
        """The runtime spec: process, root, mounts, namespaces (the network one only when
        `network_namespace` is given: joined, not created)."""
        def bind(source, destination, read_only):
            return {"destination": destination, "type": "bind", "source": source,
                    "options": ["rbind", "ro" if read_only else "rw"]}

        # 65536 open files, or fewer when our own hard limit is lower (a container cannot be
        # given more than its parent has).
        nofile = min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        mounts = [
            {"destination": "/proc", "type": "proc", "source": "proc",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777"]},
            bind(self.resolv_conf, "/etc/resolv.conf", True),
            bind("/etc/hosts", "/etc/hosts", True),
        ] + [bind(source, destination, read_only) for source, destination, read_only in self.binds]
        return {
            "ociVersion": "1.0.2",
            "process": {
                "terminal": False,
                "user": {"uid": 0, "gid": 0},
                "args": list(self.args),
                "env": [f"{key}={value}" for key, value in sorted(self.env.items())],
                "cwd": self.cwd,
                "capabilities": {key: CAPABILITIES for key in ("bounding", "effective", "permitted")},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": nofile, "soft": nofile}],
                "noNewPrivileges": True,
            },
            "root": {"path": "rootfs", "readonly": False},
            "hostname": self.hostname,
            "mounts": mounts,
            "linux": {
                "namespaces": [{"type": kind} for kind in ("pid", "ipc", "uts", "mount")]
                + ([{"type": "network", "path": self.network_namespace}]
                   if self.network_namespace else []),
                "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                  "/proc/sysrq-trigger"],
            },
        }

    def mount(self):
        options = (f"lowerdir={self.lower},upperdir={self.directory}/upper,"
                   f"workdir={self.directory}/work")
        result = subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, self.rootfs],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"mount -t overlay at {self.rootfs} failed: {result.stderr.strip()}")
        self.mounted = True

    def run(self, container_id, log):
        """`runc run --bundle DIR ID` in the foreground, output appended to the file `log`.

        Returns (exit status, seconds from the start of `runc run` to its exit). The container
        is deleted afterwards; the overlay stays mounted (call `remove()`).
        """
        if not self.mounted:
            self.mount()
        self.ids.append(container_id)
        with open(log, "ab") as out:
            started = time.monotonic()
            status = subprocess.run([RUNC, "run", "--bundle", self.directory, container_id],
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT).returncode
            elapsed = time.monotonic() - started
        runc_delete(container_id)
        return status, elapsed

    def remove(self):
        """Deletes the containers, unmounts the overlay and removes the bundle directory.

        The directory is kept (and False returned) when something below it stays mounted:
        deleting through a mount would reach into what is mounted there.
        """
        for container_id in self.ids:
            runc_delete(container_id)
        self.ids = []
        left = unmount_all_under(self.directory)
        self.mounted = False
        if left:
            return False
        shutil.rmtree(self.directory, ignore_errors=True)
        return True


def cleanup_all():
    """Removes every bundle this process made. Returns the directories that had to be kept."""
    kept = []
    while _bundles:
        bundle = _bundles.pop()
        if os.path.exists(bundle.directory) and not bundle.remove():
            kept.append(bundle.directory)
    return kept
