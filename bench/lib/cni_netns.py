"""Network namespaces on Gantry's container bridge, attached the way gantryd attaches a container.

Python 3 standard library, `ip` (iproute2), `iptables`/`ip6tables` and Debian's CNI reference
plugins in /usr/lib/cni (containernetworking-plugins). Must run as root. Used by bench/router
(its nginx backend lives in one) and bench/deploy (the namespace + veth set-up cost, and the
floor in a namespace).

The same calls as Sources/GantryRuntime/Network (ContainerNetwork, NetworkConfiguration,
CNIPlugin, HostFirewall), so that what is measured is what gantryd does:

  host      once per bridge, idempotent (HostFirewall.ensure): bridge gantry0 with IPv6 off,
            chain GANTRY-INPUT (iptables: replies only; ip6tables: nothing) on INPUT from the
            bridge, the static chains GANTRY-FWD-gantry0 (first in FORWARD: no bridge-to-bridge
            forwarding, replies in, nothing new in, the containers' traffic out) and
            GANTRY-NAT-gantry0 (in POSTROUTING: masquerading out of the subnet)
  attach    `ip netns add NAME`, IPv6 off in it (a thread joins it and writes the sysctls, as
            NamespaceSysctl does), then CNI ADD of `loopback`, then the chain `bridge`
            (isGateway, no ipMasq, no hairpin, host-local IPAM on 10.89.0.0/16, route
            0.0.0.0/0), given the previous result (cniVersion 1.0.0, network name = bridge
            name, CNI_IFNAME eth0); after the bridge's ADD the host's veth is isolated on the
            bridge (brport/isolated = 1)
  detach    CNI DEL of bridge with the ADD's result (a failing bridge DEL falls back to
            host-local's, as gantryd's does), then `ip netns delete`

Namespaces made here are named `gbench-PID-HEX`, also their CNI container id (gantryd's are
`gantry-ID`: scripts that sweep those leave these alone; the name costs nothing to measure).
Each has a record in /run/gantry-bench-netns, written before its first step, with the ADD's
results; `detach_all()` (register it with atexit) detaches every namespace this process
attached, and `detach_leftovers()` those whose process is gone (a benchmark killed with
SIGKILL).

    ns = cni_netns.attach()          # ns.address, ns.name, ns.path, ns.steps (seconds each)
    subprocess.run(["ip", "netns", "exec", ns.name, ...])
    cni_netns.detach(ns)

`resolv_conf()` is the /etc/resolv.conf gantryd gives a container (ResolverConfiguration);
`detach_gantryd_record()` detaches a namespace from gantryd's own record of it.
"""

import ctypes
import json
import os
import secrets
import subprocess
import threading
import time

BRIDGE = "gantry0"
SUBNET = "10.89.0.0/16"
PLUGIN_DIRECTORY = "/usr/lib/cni"
CNI_VERSION = "1.0.0"
INPUT_CHAIN = "GANTRY-INPUT"
RECORDS = "/run/gantry-bench-netns"
PREFIX = "gbench-"  # namespace names and CNI container ids: gbench-PID-HEX

_attached = []  # every Namespace this process attached and has not detached


class NetworkError(Exception):
    """A plugin or tool failed; the message is its own."""


def plugins(bridge=BRIDGE, subnet=SUBNET, per_container_rules=False):
    """The chain in ADD order, (type, configuration), as NetworkConfiguration.plugins; with
    `per_container_rules`, the chain of gantryds before the host's static rules (ipMasq, then
    the firewall plugin), which their namespaces' DELs must undo."""
    chain = [
        ("bridge", {"type": "bridge", "bridge": bridge, "isGateway": True,
                    "ipMasq": per_container_rules, "hairpinMode": False,
                    "ipam": {"type": "host-local", "ranges": [[{"subnet": subnet}]],
                             "routes": [{"dst": "0.0.0.0/0"}]}}),
    ]
    if per_container_rules:
        chain.append(("firewall", {"type": "firewall", "backend": "iptables"}))
    return chain


LOOPBACK = {"type": "loopback"}


class Namespace:
    """One attached namespace. `steps`: (what, seconds) of its ADD, then of its DEL."""

    def __init__(self, container_id, bridge, subnet, name=None, record=None):
        self.id, self.bridge, self.subnet = container_id, bridge, subnet
        self.name = name or container_id
        self.path = "/run/netns/" + self.name
        self.record = record or os.path.join(RECORDS, container_id + ".json")
        self.bridge_result = None  # the bridge plugin's ADD result (text)
        self.result = None         # the chain's ADD result (text)
        self.steps = []

    @property
    def address(self):
        return _parse(self.result or self.bridge_result)[0]

    @property
    def host_interface(self):
        return _parse(self.result or self.bridge_result)[1]

    def save(self):
        os.makedirs(RECORDS, exist_ok=True)
        with open(self.record + ".tmp", "w") as f:
            json.dump({"id": self.id, "bridge": self.bridge, "subnet": self.subnet,
                       "pid": os.getpid(), "bridgeResult": self.bridge_result,
                       "result": self.result}, f)
        os.rename(self.record + ".tmp", self.record)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            record = json.load(f)
        ns = cls(record["id"], record["bridge"], record["subnet"])
        ns.bridge_result, ns.result = record.get("bridgeResult"), record.get("result")
        return ns, record.get("pid")


def _parse(text):
    """(IPv4 address, host veth) of a bridge plugin result, as NetworkAttachment.parse."""
    if not text:
        return None, None
    result = json.loads(text)
    address = next((ip["address"].split("/")[0] for ip in result.get("ips", [])
                    if ":" not in ip["address"]), None)
    interfaces = result.get("interfaces", [])[1:]
    host = next((i["name"] for i in interfaces if not i.get("sandbox")), None)
    return address, host


# ---------------------------------------------------------------------------------------------
# tools and plugins


def _run(tool, args, tolerating=None):
    """`tool args` (iptables with -w, as HostFirewall.run); an error whose message contains
    `tolerating` counts as done. Returns stdout."""
    full = [tool] + (["-w"] if tool.endswith("tables") else []) + args
    try:
        result = subprocess.run(full, capture_output=True, text=True)
    except FileNotFoundError:
        raise NetworkError(f"cannot run {tool} (make setup installs iptables and iproute2)")
    if result.returncode != 0:
        message = result.stderr.strip()
        if tolerating and tolerating in message.lower():
            return ""
        raise NetworkError(f"{' '.join(full)} failed: {message}")
    return result.stdout


def _call(command, plugin_type, configuration, network, ns, previous, directory):
    """One CNI plugin call (CNIPlugin.call). Returns its stdout."""
    config = dict(configuration, cniVersion=CNI_VERSION, name=network)
    if previous:
        config["prevResult"] = json.loads(previous)
    path = os.path.join(directory, plugin_type)
    if not os.access(path, os.X_OK):
        raise NetworkError(f"no CNI plugin at {path}: install Debian's containernetworking-plugins "
                           "(make setup)")
    env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=ns.id, CNI_NETNS=ns.path,
               CNI_IFNAME="eth0", CNI_PATH=directory)
    result = subprocess.run([path], input=json.dumps(config, sort_keys=True).encode(), env=env,
                            capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        try:
            failure = json.loads(result.stdout)
            message = ": ".join(part for part in (failure.get("msg"), failure.get("details")) if part)
        except (ValueError, AttributeError):
            pass
        raise NetworkError(f"CNI plugin {plugin_type} {command}: {message or result.returncode}")
    return result.stdout.decode()


# ---------------------------------------------------------------------------------------------
# the host, attach, detach


_host_ready = set()


def ensure_host(bridge=BRIDGE, subnet=SUBNET):
    """The host's side, as HostFirewall.ensure (idempotent; gantryd's start does the same)."""
    if bridge in _host_ready:
        return
    if not os.path.exists(f"/sys/class/net/{bridge}"):
        _run("ip", ["link", "add", "name", bridge, "type", "bridge"], tolerating="exists")
    sysctl = f"/proc/sys/net/ipv6/conf/{bridge}/disable_ipv6"
    if os.path.exists(sysctl):
        with open(sysctl, "w") as f:
            f.write("1")
    _run("ip", ["link", "set", bridge, "up"])

    def ensure_rule(tool, chain, rule, first, table="filter"):
        try:
            _run(tool, ["-t", table, "-C", chain] + rule)
        except NetworkError:
            _run(tool, ["-t", table] + (["-I", chain, "1"] if first else ["-A", chain]) + rule)

    for tool in ("iptables", "ip6tables"):
        _run(tool, ["-N", INPUT_CHAIN], tolerating="exists")
        if tool == "iptables":
            ensure_rule(tool, INPUT_CHAIN, ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED",
                                            "-j", "ACCEPT"], True)
        ensure_rule(tool, INPUT_CHAIN, ["-j", "DROP"], False)
        ensure_rule(tool, "INPUT", ["-i", bridge, "-j", INPUT_CHAIN], True)
    forward, nat = f"GANTRY-FWD-{bridge}", f"GANTRY-NAT-{bridge}"
    _replace_chain(forward, "filter", [
        f"-i {bridge} -o {bridge} -j DROP",
        f"-o {bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        f"-o {bridge} -j DROP",
        f"-i {bridge} -j ACCEPT",
    ])
    ensure_rule("iptables", "FORWARD", ["-j", forward], True)
    _replace_chain(nat, "nat", [f"! -s {subnet} -j RETURN", f"-d {subnet} -j RETURN",
                                "-d 224.0.0.0/4 -j RETURN", "-j MASQUERADE"])
    ensure_rule("iptables", "POSTROUTING", ["-j", nat], False, table="nat")
    _host_ready.add(bridge)


def _replace_chain(chain, table, rules):
    """`chain` of `table` holds exactly `rules`, set in one transaction (iptables-restore)."""
    text = "\n".join([f"*{table}", f":{chain} - [0:0]"] + [f"-A {chain} {rule}" for rule in rules]
                     + ["COMMIT", ""])
    result = subprocess.run(["iptables-restore", "-w", "--noflush"], input=text, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise NetworkError(f"iptables-restore of {chain} failed: {result.stderr.strip()}")


def _disable_ipv6(path):
    """IPv6 off in the namespace at `path` before its interfaces come up (NamespaceSysctl): a
    thread of its own joins it (setns moves only the calling thread) and writes the sysctls."""
    if not os.path.exists("/proc/sys/net/ipv6"):
        return
    failure = []

    def inside():
        libc = ctypes.CDLL(None, use_errno=True)
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if libc.setns(descriptor, 0x40000000) != 0:
                failure.append(f"setns: {os.strerror(ctypes.get_errno())}")
                return
            for key in ("all", "default"):
                with open(f"/proc/sys/net/ipv6/conf/{key}/disable_ipv6", "w") as f:
                    f.write("1")
        except OSError as error:
            failure.append(str(error))
        finally:
            os.close(descriptor)

    thread = threading.Thread(target=inside)
    thread.start()
    thread.join()
    if failure:
        raise NetworkError(f"cannot turn IPv6 off in {path}: {failure[0]}")


def attach(bridge=BRIDGE, subnet=SUBNET, directory=PLUGIN_DIRECTORY):
    """A new namespace on the bridge (ContainerNetwork.attachNew). Returns a Namespace whose
    `steps` time each part. Raises NetworkError; nothing is left attached then."""
    ensure_host(bridge, subnet)
    ns = Namespace(f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}", bridge, subnet)
    _attached.append(ns)  # before the first step: a Ctrl-C half way still detaches it
    try:
        ns.save()
        step = time.monotonic()

        def took(what):
            nonlocal step
            now = time.monotonic()
            ns.steps.append((what, now - step))
            step = now

        _run("ip", ["netns", "add", ns.name])
        _disable_ipv6(ns.path)
        took("netns add")
        _call("ADD", "loopback", LOOPBACK, "lo", ns, None, directory)
        took("loopback")
        previous = None
        for index, (plugin_type, configuration) in enumerate(plugins(bridge, subnet)):
            previous = _call("ADD", plugin_type, configuration, bridge, ns, previous, directory)
            if index == 0:
                ns.bridge_result = previous
                ns.save()
                _isolate(ns)
            took(plugin_type)
        ns.result = previous
        ns.save()
        if ns.address is None:
            raise NetworkError("the bridge plugin gave no IPv4 address")
        return ns
    except BaseException:
        detach(ns, quiet=True)
        raise


def _isolate(ns):
    interface = ns.host_interface
    if not interface or "/" in interface:
        raise NetworkError("the bridge plugin named no host interface")
    with open(f"/sys/class/net/{interface}/brport/isolated", "w") as f:
        f.write("1")


def detach(ns, directory=PLUGIN_DIRECTORY, quiet=False):
    """The chain's DELs in reverse order with the ADD's result, then the namespace, then the
    record (ContainerNetwork.detach); times each in `ns.steps`. Raises NetworkError (the
    namespace and record are kept then) unless `quiet`."""
    previous = ns.result or ns.bridge_result
    step = time.monotonic()
    try:
        chain = plugins(ns.bridge, ns.subnet, getattr(ns, "per_container_rules", False))
        for plugin_type, configuration in reversed(chain):
            if plugin_type == "firewall" and previous is None:
                continue  # never added
            if not os.access(os.path.join(directory, plugin_type), os.X_OK):
                continue
            try:
                _call("DEL", plugin_type, configuration, ns.bridge, ns, previous, directory)
            except NetworkError:
                if plugin_type != "bridge":
                    raise
                _call("DEL", "host-local", configuration, ns.bridge, ns, previous, directory)
            now = time.monotonic()
            ns.steps.append((f"{plugin_type} DEL", now - step))
            step = now
        if os.path.exists(ns.path):
            _run("ip", ["netns", "delete", ns.name])
        ns.steps.append(("netns delete", time.monotonic() - step))
        try:
            os.unlink(ns.record)
        except FileNotFoundError:
            pass
        if ns in _attached:
            _attached.remove(ns)
    except NetworkError:
        if not quiet:
            raise


def detach_all():
    """Detaches every namespace this process attached. Returns the names it could not."""
    left = []
    for ns in list(reversed(_attached)):
        try:
            detach(ns)
        except (NetworkError, OSError) as error:
            left.append(f"{ns.name} ({error})")
    return left


def resolv_conf(host_file="/etc/resolv.conf",
                upstream_file="/run/systemd/resolve/resolv.conf"):
    """The container's resolv.conf text, as ResolverConfiguration.containerFile: the host's
    without loopback resolvers (a container's loopback is its own), else systemd-resolved's
    upstream servers, else 1.1.1.1 and 8.8.8.8."""
    def read(path):
        try:
            with open(path, errors="replace") as f:
                return f.read(64 << 10)
        except OSError:
            return ""

    def nameservers(text):
        return [fields[1] for fields in (line.split() for line in text.splitlines())
                if len(fields) >= 2 and fields[0] == "nameserver"]

    def loopback(address):
        return address.startswith("127.") or address in ("::1", "0.0.0.0", "::")

    host = read(host_file)
    servers = [s for s in nameservers(host) if not loopback(s)]
    if not servers:
        servers = [s for s in nameservers(read(upstream_file)) if not loopback(s)]
    if not servers:
        servers = ["1.1.1.1", "8.8.8.8"]
    others = [line.strip() for line in host.splitlines()
              if line.strip().startswith(("search ", "domain ", "options "))]
    return "\n".join(others + [f"nameserver {s}" for s in servers[:3]]) + "\n"


def detach_gantryd_record(path, bridge=BRIDGE, subnet=SUBNET):
    """Detaches the namespace of a record gantryd wrote (NetworkAttachment: a bundle's
    network.json, or DATA/containers.net/ID.json) and removes the record, as gantryd's own
    detach does: for the app containers a stopped gantryd leaves, which a benchmark deletes.
    Raises NetworkError (the record is kept then)."""
    with open(path) as f:
        record = json.load(f)
    ns = Namespace(record["id"], bridge, subnet, name="gantry-" + record["id"], record=path)
    ns.bridge_result, ns.result = record.get("bridgeResult"), record.get("result")
    ns.per_container_rules = record.get("staticHostRules") is not True  # an older gantryd's
    detach(ns)


def detach_leftovers():
    """Detaches the namespaces of records whose process is gone. Returns how many."""
    count = 0
    try:
        names = sorted(os.listdir(RECORDS))
    except FileNotFoundError:
        return 0
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            ns, pid = Namespace.load(os.path.join(RECORDS, name))
        except (OSError, ValueError, KeyError):
            continue
        if pid and os.path.exists(f"/proc/{pid}"):
            continue  # still someone's
        detach(ns, quiet=True)
        count += 1
    return count
