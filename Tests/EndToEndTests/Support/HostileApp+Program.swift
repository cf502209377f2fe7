import Foundation

// The hostile app's program, run by `web:` and `hog:` in its Procfile and by its build's
// `build.sh`: stdlib Python 3 only (the stack has python3, and pip cannot be assumed).
// Every attempt it makes is reported as {"name", "status": "ok" | "refused", "detail"}, where
// "ok" means the attack worked.
extension HostileApp {
    static let program = #"""
# An app that attacks the box it runs in (stdlib only). Each attempt is reported as
# {"name", "status", "detail"}: status "ok" means the attack worked, "refused" that it failed.
#   python3 hostile.py web                     serves $PORT: POST /attacks, GET /attacks, POST /sniff …
#   python3 hostile.py build TARGETS OUT       runs the attacks once, prints them, writes OUT
#   python3 hostile.py hog                     allocates twice GANTRY_MEMORY_MB
import ctypes, http.server, json, os, select, signal, socket, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

PTRACE_ATTACH, PR_SET_CHILD_SUBREAPER, MS_REMOUNT, MNT_DETACH = 16, 36, 32, 2
ETH_P_ALL = 0x0003


def c_error():
    number = ctypes.get_errno()
    return f"errno {number} ({os.strerror(number)})"


def attempt(name, action):
    try:
        status, detail = action()
    except Exception as error:
        status, detail = "refused", f"{type(error).__name__}: {error}"
    result = {"name": name, "status": status, "detail": str(detail)[:400]}
    print(f"ATTACK {status} {name}: {result['detail']}", flush=True)
    return result


# --- sockets ---------------------------------------------------------------------------------

def open_socket(family, kind, protocol):
    def action():
        with socket.socket(family, kind, protocol):
            return "ok", "opened"
    return action


def own_interfaces():
    return [name for _, name in socket.if_nameindex() if name != "lo"]


def connect(address, port):
    """A TCP connection with a 1 s timeout; a link-local IPv6 address is tried on each of the
    container's own interfaces."""
    def action():
        if ":" in address:
            if address.lower().startswith("fe80:"):
                targets = [(socket.AF_INET6, (address, port, 0, socket.if_nametoindex(name)), "%" + name) for name in own_interfaces()]
            else:
                targets = [(socket.AF_INET6, (address, port, 0, 0), "")]
        else:
            targets = [(socket.AF_INET, (address, port), "")]
        failures = []
        for family, sockaddr, scope in targets:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                try:
                    s.connect(sockaddr)
                except OSError as error:
                    failures.append(f"{scope or 'connect'}: {error.strerror or error}")
                    continue
                s.settimeout(0.5)
                try:
                    banner = s.recv(64)
                except OSError:
                    banner = b""
                return "ok", f"connected{scope}, it said {banner[:48]!r}"
        return "refused", "; ".join(failures) or "no interface to reach a link-local address from"
    return action


def bracketed(address):
    return f"[{address}]" if ":" in address else address


# --- the host's processes, /sys, mount, ptrace, unshare --------------------------------------

def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace").strip()


def host_init_environ(host_init):
    def action():
        with open("/proc/1/environ", "rb") as f:
            environ = f.read()
        mine = cmdline(1)
        if host_init and mine == host_init.strip():
            return "ok", f"read {len(environ)} bytes of the host's init ({mine[:80]})"
        return "refused", f"/proc/1 is this box's own first process ({mine[:80]}), not the host's init"
    return action


def host_processes(markers):
    def action():
        seen, hits = 0, []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            seen += 1
            try:
                line = cmdline(entry)
            except OSError:
                continue
            if any(marker and marker in line for marker in markers):
                hits.append(f"{entry}: {line[:100]}")
        if hits:
            return "ok", f"{seen} processes visible, the host's among them: " + "; ".join(hits[:3])
        return "refused", f"{seen} processes visible, none of the host's"
    return action


def open_for_writing(path):
    def action():
        fd = os.open(path, os.O_WRONLY)  # opening is the check: nothing is written
        os.close(fd)
        return "ok", f"{path} is open for writing"
    return action


def mount_tmpfs():
    target = tempfile.mkdtemp()
    if libc.mount(b"none", target.encode(), b"tmpfs", 0, None) == 0:
        libc.umount2(target.encode(), MNT_DETACH)
        return "ok", f"mount(2) of a tmpfs on {target}"
    return "refused", "mount(2): " + c_error()


def mount_command(kind):
    def action():
        target = tempfile.mkdtemp()
        done = subprocess.run(["mount", "-t", kind, "none", target], capture_output=True, text=True, timeout=10)
        if done.returncode == 0:
            subprocess.run(["umount", "-l", target], capture_output=True, timeout=10)
            return "ok", f"mount -t {kind} on {target}"
        return "refused", f"exit {done.returncode}: {done.stderr.strip()}"
    return action


def remount_sys():
    if libc.mount(None, b"/sys", None, MS_REMOUNT, None) == 0:
        return "ok", "remounted /sys read-write"
    return "refused", "mount(2) MS_REMOUNT: " + c_error()


def ptrace_sibling():
    pid = os.posix_spawnp("sleep", ["sleep", "30"], dict(os.environ))
    try:
        if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
            return "ok", f"PTRACE_ATTACH to pid {pid}"
        return "refused", "ptrace(PTRACE_ATTACH): " + c_error()
    finally:
        os.kill(pid, signal.SIGKILL)
        while True:  # a traced child reports its stop before its death
            _, status = os.waitpid(pid, 0)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                break


def unshare_user_namespace():
    code = ("import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); r = libc.unshare(0x10000000); "
            "e = ctypes.get_errno(); print(r, 'errno', e, os.strerror(e) if r else 'in a new user namespace')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=10)
    words = done.stdout.split()
    return ("ok" if words[:1] == ["0"] else "refused"), (done.stdout.strip() or done.stderr.strip())


def unshare_command():
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True, text=True, timeout=10)
    return ("ok" if done.returncode == 0 else "refused"), f"exit {done.returncode}: {done.stderr.strip()}"


# --- fork bomb -------------------------------------------------------------------------------

def reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def session_members(session):
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            members.append(int(entry))
    return members


def fork_bomb(seconds=4):
    """A bash fork bomb in its own session for `seconds`, then killed: the pids limit must stop it,
    and this process must still fork afterwards. Orphans come back here (child subreaper) to be reaped."""
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    errors = tempfile.TemporaryFile()
    bomb = subprocess.Popen(["bash", "-c", "f() { while :; do f & done; }; f"], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors)
    peak, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        reap_children()
        peak = max(peak, len(session_members(bomb.pid)))
        time.sleep(0.1)
    left, give_up = [], time.time() + 10
    while time.time() < give_up:
        reap_children()
        left = session_members(bomb.pid)
        if not left:
            break
        for pid in [bomb.pid] + left:
            try:
                os.killpg(pid, signal.SIGKILL) if pid == bomb.pid else os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
    bomb.wait()
    reap_children()
    errors.seek(0)
    refused = errors.read().decode(errors="replace").count("Resource temporarily unavailable")
    try:
        after = subprocess.run(["true"], timeout=10).returncode == 0
    except Exception:
        after = False
    detail = f"peak {peak} processes, {refused} forks refused, {len(left)} left after killing, fork afterwards {'works' if after else 'fails'}"
    contained = refused > 0 and not left and after
    return ("refused" if contained else "ok"), detail


# --- the whole run ---------------------------------------------------------------------------

def run_attacks(targets):
    results = [
        attempt("raw socket AF_INET SOCK_RAW", open_socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),
        attempt("raw socket AF_INET6 SOCK_RAW", open_socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)),
        attempt("packet socket AF_PACKET", open_socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))),
    ]
    connections = [(f"connect {label} at {bracketed(address)}:{port}", connect(address, port))
                   for address in targets.get("addresses", []) for label, port in sorted(targets.get("ports", {}).items())]
    neighbour = targets.get("neighbour")
    if neighbour:
        connections.append((f"connect the other app's web process at {bracketed(neighbour['host'])}:{neighbour['port']}",
                            connect(neighbour["host"], neighbour["port"])))
    with ThreadPoolExecutor(max_workers=16) as pool:
        results += list(pool.map(lambda pair: attempt(*pair), connections))
    results += [
        attempt("read /proc/1/environ of the host", host_init_environ(targets.get("hostInit", ""))),
        attempt("see the host's processes in /proc", host_processes(targets.get("markers", []))),
    ]
    # Files root may write on a host (those this kernel has): opening one for writing is the attack.
    results += [attempt(f"write {path}", open_for_writing(path)) for path in [
        "/sys/class/net/lo/mtu", "/sys/kernel/mm/transparent_hugepage/enabled", "/sys/kernel/mm/ksm/run",
        "/sys/power/state", "/sys/module/printk/parameters/time"] if os.path.exists(path)]
    results += [
        attempt("mount(2) a tmpfs", mount_tmpfs),
        attempt("mount -t tmpfs", mount_command("tmpfs")),
        attempt("mount -t cgroup2", mount_command("cgroup2")),
        attempt("remount /sys read-write", remount_sys),
        attempt("ptrace a sibling (PTRACE_ATTACH)", ptrace_sibling),
        attempt("unshare(CLONE_NEWUSER)", unshare_user_namespace),
        attempt("unshare --user --map-root-user", unshare_command),
        attempt("fork bomb", fork_bomb),
    ]
    return results


# --- sniffing --------------------------------------------------------------------------------

TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
              "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def decode_endpoint(text):
    address, port = text.split(":")
    raw = bytes.fromhex(address)
    if len(raw) == 4:
        host = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:  # four little-endian 32-bit words
        host = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
    return host, int(port, 16)


def proc_net_sockets():
    found = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/net/{table}") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            (local, local_port), (remote, remote_port) = decode_endpoint(fields[1]), decode_endpoint(fields[2])
            found.add((table, local, local_port, remote, remote_port, TCP_STATES.get(fields[3], fields[3])))
    return found


class Sniffer:
    LIMIT = 32 << 20

    def __init__(self, needles):
        self.needles = [needle.encode() for needle in needles]
        self.capture = bytearray()
        self.stopping = threading.Event()
        self.report = {"capturing": False, "done": False}

    def run(self):
        sockets, opened = [], []
        for label, family, kind, protocol in [
            ("packet socket AF_PACKET", socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)),
            ("raw socket AF_INET IPPROTO_TCP", socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP),
            ("raw socket AF_INET6 IPPROTO_TCP", socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP),
        ]:
            try:
                s = socket.socket(family, kind, protocol)
                s.setblocking(False)
                sockets.append(s)
                opened.append({"name": label, "status": "ok", "detail": "capturing"})
            except OSError as error:
                opened.append({"name": label, "status": "refused", "detail": f"{type(error).__name__}: {error}"})
        packets, overflowed, matches = 0, False, {needle.decode(): 0 for needle in self.needles}
        seen, next_scan, deadline = set(), 0.0, time.time() + 120
        self.report = {"capturing": True, "done": False, "opened": opened}
        while not self.stopping.is_set() and time.time() < deadline:
            if time.time() >= next_scan:
                seen |= proc_net_sockets()
                next_scan = time.time() + 0.25
            ready = select.select(sockets, [], [], 0.1)[0] if sockets else (time.sleep(0.1) or [])
            for s in ready:
                try:
                    data = s.recv(65536)
                except OSError:
                    continue
                packets += 1
                for needle in self.needles:
                    matches[needle.decode()] += data.count(needle)
                if len(self.capture) + len(data) <= self.LIMIT:
                    self.capture += data
                else:
                    overflowed = True
        seen |= proc_net_sockets()
        for s in sockets:
            s.close()
        self.report = {
            "capturing": False, "done": True, "opened": opened, "packets": packets, "bytes": len(self.capture),
            "overflowed": overflowed, "matches": matches, "port": int(os.environ.get("PORT", "0")),
            "sockets": [{"table": t, "local": l, "localPort": lp, "remote": r, "remotePort": rp, "state": s}
                        for t, l, lp, r, rp, s in sorted(seen)],
        }


# --- modes -----------------------------------------------------------------------------------

class State:
    attacks = {"started": False, "done": False, "results": []}
    sniffer = None


def start_attacks(targets):
    def run():
        results = run_attacks(targets)
        State.attacks = {"started": True, "done": True, "results": results}
    State.attacks = {"started": True, "done": False, "results": []}
    threading.Thread(target=run, daemon=True).start()


class Handler(http.server.BaseHTTPRequestHandler):
    timeout = 5  # one slow client must not stall this single-threaded server

    def reply(self, status, body, kind="application/json"):
        data = body if isinstance(body, (bytes, bytearray)) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/":
            return self.reply(200, "a hostile app, serving\n", "text/plain")
        if self.path == "/attacks":
            return self.reply(200, json.dumps(State.attacks))
        if self.path == "/build-attacks":
            try:
                with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "build-attacks.json")) as f:
                    return self.reply(200, f.read())
            except OSError as error:
                return self.reply(404, json.dumps({"error": str(error)}))
        if self.path == "/sniff":
            return self.reply(200, json.dumps(State.sniffer.report if State.sniffer else {"done": False}))
        if self.path == "/capture":
            done = State.sniffer and State.sniffer.report.get("done")
            return self.reply(200 if done else 409, bytes(State.sniffer.capture) if done else b"", "application/octet-stream")
        self.reply(404, "{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/attacks":
            start_attacks(json.loads(body or b"{}"))
            return self.reply(202, "{}")
        if self.path == "/sniff":
            State.sniffer = Sniffer(json.loads(body or b"{}").get("needles", []))
            threading.Thread(target=State.sniffer.run, daemon=True).start()
            return self.reply(202, "{}")
        if self.path == "/sniff/stop" and State.sniffer:
            State.sniffer.stopping.set()
            return self.reply(202, "{}")
        self.reply(404, "{}")

    def log_message(self, *args):
        pass


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "web"
    if mode == "web":
        port = int(os.environ["PORT"])
        print(f"hostile web on port {port}", flush=True)
        # Single-threaded: serving needs no new thread, so it goes on while a fork bomb holds every pid.
        http.server.HTTPServer(("0.0.0.0", port), Handler).serve_forever()
    elif mode == "build":
        with open(sys.argv[2]) as f:
            targets = json.load(f)
        results = run_attacks(targets)
        with open(sys.argv[3], "w") as f:
            json.dump({"started": True, "done": True, "results": results}, f)
        print(f"ATTACKS DONE: {len(results)} attempts", flush=True)
    elif mode == "hog":
        megabytes = 2 * int(os.environ.get("GANTRY_MEMORY_MB", "512"))
        print(f"hog: allocating {megabytes} MiB, twice GANTRY_MEMORY_MB", flush=True)
        time.sleep(2)
        hoard = b"x" * (megabytes << 20)
        print(f"hog: still alive, holding {len(hoard) >> 20} MiB", flush=True)
        while True:
            time.sleep(60)


if __name__ == "__main__":
    main()
"""#
}
