"""Helpers for benchmarks that push to a real gantryd and compare it with a runc floor.

Python 3 standard library, git, `runc`, `umount`. Used by bench/deploy (bench/build carries
its own copies of the git and floor-environment helpers).

  git_env(), git()          git isolated from the developer's configuration
  floor_environment(),      what Gantry's containers get from the host (PIP_*, trust store,
  trust_binds()             proxies) for a floor container made with oci_bundle
  gantryd_binary()          .build/release/gantryd, rebuilt when older than the sources
  Gantryd                   a gantryd on a temp data dir, random API and router ports; its
                            app containers and their network namespaces removed when it is
                            stopped
  http_get()                one GET on 127.0.0.1 or another address (no proxy), optionally
                            with a Host header

Errors are raised as `BenchError`; the benchmark decides how to report them.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import cni_netns  # bench/lib
import oci_bundle

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
STACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class BenchError(Exception):
    """Something failed to run. `log`: a file whose tail explains it, or None."""

    def __init__(self, message, log=None):
        super().__init__(message)
        self.log = log


# ---------------------------------------------------------------------------------------------
# git


def git_env(home):
    """The environment for git: a private HOME, no system config, fixed identity, no proxy for
    127.0.0.1."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("GIT_"):
            del env[name]
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=os.path.join(home, ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com",
        LC_ALL="C",
        no_proxy="127.0.0.1,localhost",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def git(env, *args, cwd=None):
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


# ---------------------------------------------------------------------------------------------
# the floor's container environment


def floor_environment():
    """What Gantry's containers get from the host (PIP_*, trust store, proxies), plus a pip
    cache at /pip-cache. Host paths in PIP_FIND_LINKS are not in the container: dropped."""
    env = {"PATH": STACK_PATH, "HOME": "/tmp", "LANG": "C.UTF-8"}
    names = {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
             "http_proxy", "https_proxy", "no_proxy"}
    for name, value in os.environ.items():
        if name in names or name.startswith("PIP_"):
            env[name] = value
    if "PIP_FIND_LINKS" in env:
        links = [link for link in env["PIP_FIND_LINKS"].split() if "://" in link]
        if links:
            env["PIP_FIND_LINKS"] = " ".join(links)
        else:
            del env["PIP_FIND_LINKS"]
    if os.path.exists(CA_BUNDLE):
        env["SSL_CERT_FILE"] = CA_BUNDLE
        env.setdefault("PIP_CERT", CA_BUNDLE)
    env.update(PIP_CACHE_DIR="/pip-cache", PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def trust_binds():
    """The host's CA bundle and pip.conf, read-only, as (host, container, read_only)."""
    return [(path, path, True) for path in (CA_BUNDLE, "/etc/pip.conf") if os.path.exists(path)]


# ---------------------------------------------------------------------------------------------
# sockets and HTTP on 127.0.0.1


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def http_get(port, path="/", host=None, timeout=5, address="127.0.0.1"):
    """GET http://ADDRESS:PORT/PATH directly (never through a proxy). Returns (status, body
    as text), or None when the connection fails."""
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        headers = {"Host": host} if host else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# gantryd


def _newest_source(root):
    newest = 0.0
    for top in ("Sources", "Package.swift", "Package.resolved"):
        path = os.path.join(root, top)
        if os.path.isfile(path):
            newest = max(newest, os.path.getmtime(path))
        for directory, _subdirs, files in os.walk(path):
            for name in files:
                try:
                    newest = max(newest, os.path.getmtime(os.path.join(directory, name)))
                except OSError:
                    pass  # removed meanwhile
    return newest


def gantryd_binary(root, say=print):
    """GANTRYD_PATH, or ROOT/.build/release/gantryd after `swift build -c release --product
    gantryd` when it is missing or older than the sources (a stale binary would measure old
    code). When the build fails but a binary exists, that binary is used (and `say` says so)."""
    binary = os.environ.get("GANTRYD_PATH")
    if binary:
        binary = os.path.abspath(binary)
        if not os.access(binary, os.X_OK):
            raise BenchError(f"GANTRYD_PATH={binary} is not an executable")
        return binary
    binary = os.path.join(root, ".build", "release", "gantryd")
    if os.access(binary, os.X_OK) and os.path.getmtime(binary) >= _newest_source(root):
        return binary
    say("swift build -c release ...")
    try:
        result = subprocess.run(["swift", "build", "-c", "release"],
                                cwd=root, capture_output=True, text=True)
        status = result.returncode
        if status != 0:
            print(result.stdout[-3000:] + result.stderr[-3000:], file=sys.stderr)
    except FileNotFoundError:
        status = "no swift on PATH"
    if status != 0:
        if not os.access(binary, os.X_OK):
            raise BenchError(f"could not build .build/release/gantryd ({status})")
        say(f"the build failed ({status}); measuring the existing {binary}")
    return binary


class Gantryd:
    """gantryd on the data dir `data` (created by it), API, router and SSH server on random free
    ports of 127.0.0.1, output appended to `log`. `stop()` (idempotent) stops it with SIGTERM and
    removes the app containers it leaves running, their network namespaces, their overlays and
    the data dir."""

    def __init__(self, binary, data, log, cwd=None, startup_timeout=180, extra_args=()):
        self.binary, self.data, self.log = binary, os.path.abspath(data), log
        self.containers = os.path.join(self.data, "containers")
        self.server = None
        env = dict(os.environ, no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost")
        for _attempt in range(3):
            self.port, self.router_port, self.ssh_port = free_port(), free_port(), free_port()
            if len({self.port, self.router_port, self.ssh_port}) < 3:
                continue
            with open(log, "a") as out:
                self.server = subprocess.Popen(
                    [binary, "--data-dir", self.data, "--http-host", "127.0.0.1",
                     "--http-port", str(self.port), "--router-port", str(self.router_port),
                     "--ssh-port", str(self.ssh_port), *extra_args],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                    cwd=cwd, start_new_session=True)  # as a service runs: a session of its own
            if self._wait_ready(startup_timeout):
                break
            with open(log, errors="replace") as f:
                said = f.read().lower()
            if "address already in use" not in said and "cannot listen" not in said:
                raise BenchError(f"gantryd did not start (status {self.server.returncode})", log)
        else:
            raise BenchError("gantryd did not start: no free ports after 3 tries", log)
        with open(os.path.join(self.data, "admin-token")) as f:
            self.token = f.read().strip()

    def _wait_ready(self, timeout):
        # The first start of a data dir links (and may check) the stack: up to seconds.
        token = os.path.join(self.data, "admin-token")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                return False  # e.g. a port was taken meanwhile: try others
            if (os.path.exists(token) and os.path.getsize(token) > 0 and port_open(self.port)
                    and port_open(self.router_port) and port_open(self.ssh_port)):
                return True
            time.sleep(0.05)
        raise BenchError(f"gantryd was not ready within {timeout} s", self.log)

    def create_app(self, name):
        """POST /api/v1/apps. Returns (bare repository path, push URL with the token)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/api/v1/apps", body=json.dumps({"name": name}),
                               headers={"Authorization": f"Bearer {self.token}",
                                        "Content-Type": "application/json"})
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise BenchError(f"POST /api/v1/apps failed: {error}", self.log)
        finally:
            connection.close()
        if response.status != 201:
            raise BenchError(f"POST /api/v1/apps answered {response.status}: {body!r}", self.log)
        git_dir = os.path.join(self.data, "repos", name + ".git")
        return git_dir, f"http://gantry:{self.token}@127.0.0.1:{self.port}/{name}.git"

    def host(self, app):
        """The Host header that routes to `app`."""
        return f"{app}.localhost:{self.router_port}"

    def stop(self, runc=oci_bundle.RUNC):
        """SIGTERM (SIGKILL after 20 s), then `runc --root DATA/containers.runc delete --force`
        of every container directory, its network namespace detached, `umount -l` of its
        rootfs, and the data dir removed when nothing is left mounted below it (and no
        namespace is left attached). Returns what could not be removed."""
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        attached = remove_app_containers(self.data, runc, gantryd=self.binary)
        left = oci_bundle.unmount_all_under(self.data)
        if attached:
            return left + attached  # the records are needed to detach them by hand
        if not left:
            shutil.rmtree(self.data, ignore_errors=True)
        return left

def remove_app_containers(data, runc=oci_bundle.RUNC, gantryd=None):
    """The app containers a gantryd with data dir `data` left running (a stopped gantryd leaves
    them for the next one to adopt): `gantryd --data-dir DATA --remove-containers` first when the
    binary is given (gantryd's own removal; a gantryd from before issue 11 does not know the flag),
    then for what is left `runc --root DATA/containers.runc delete --force` of each, its network
    namespace detached (CNI DEL with the record in its bundle, as gantryd does; gantryds from
    before issue 11 have none), `umount -l` of its rootfs, then what is left in
    DATA/containers.net (a namespace whose detach failed) and the cgroup parent. Returns the
    namespaces that could not be detached."""
    if gantryd and os.path.isdir(data):
        subprocess.run([gantryd, "--data-dir", data, "--remove-containers"], capture_output=True, timeout=300)
    containers = os.path.join(data, "containers")
    records = [os.path.join(containers + ".net", name)
               for name in sorted(os.listdir(containers + ".net"))
               if name.endswith(".json")] if os.path.isdir(containers + ".net") else []
    if os.path.isdir(containers):
        for container_id in sorted(os.listdir(containers)):
            subprocess.run([runc, "--root", containers + ".runc", "delete", "--force",
                            container_id], capture_output=True, timeout=60)
            record = os.path.join(containers, container_id, "network.json")
            if os.path.exists(record):
                records.append(record)
            subprocess.run(["umount", "-l", os.path.join(containers, container_id, "rootfs")],
                           capture_output=True)
    attached = []
    for record in records:
        try:
            cni_netns.detach_gantryd_record(record)
        except (cni_netns.NetworkError, OSError, ValueError, KeyError) as error:
            attached.append(f"the namespace of {record} ({error})")
    # RuncRuntime puts its containers' cgroups under /gantry/<FNV-1a of the containers
    # directory>; runc deletes each container's cgroup but not that parent. rmdir only
    # succeeds on an empty cgroup, so this never touches anything alive.
    value = 0xcbf29ce484222325
    for byte in containers.encode():
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    parent = f"gantry/{value:x}"
    for base in ("/sys/fs/cgroup", *(os.path.join("/sys/fs/cgroup", controller)
                                     for controller in _cgroup_controllers())):
        path = os.path.join(base, parent)
        if os.path.isdir(path):
            try:
                os.rmdir(path)
            except OSError:
                pass
    return attached


def _cgroup_controllers():
    try:
        return [name for name in os.listdir("/sys/fs/cgroup")
                if os.path.isdir(os.path.join("/sys/fs/cgroup", name))
                and not os.path.islink(os.path.join("/sys/fs/cgroup", name))]
    except OSError:
        return []
