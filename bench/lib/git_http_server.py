#!/usr/bin/env python3
"""Serve git's canonical smart-HTTP server, `git http-backend`, as CGI on 127.0.0.1.

The baseline that bench/receive measures gantryd against. Python 3 standard library only.

    python3 git_http_server.py --root DIR [--port 0]

Prints the port it listens on as the first line of stdout, then serves every repository
under DIR (GIT_HTTP_EXPORT_ALL) with receive-pack enabled (REMOTE_USER is set), until killed.

Request bodies are streamed: a `Transfer-Encoding: chunked` body (git sends one for any push
larger than http.postBuffer) is de-chunked here and piped to the CGI's stdin without a
CONTENT_LENGTH, which http-backend reads to EOF without buffering it. The CGI's output is
streamed back as it comes, in a chunked HTTP/1.1 response, after its `Status:` header is read.
"""

import argparse
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

COPY_SIZE = 64 * 1024


def git_http_backend():
    exec_path = subprocess.run(
        ["git", "--exec-path"], check=True, capture_output=True, text=True
    ).stdout.strip()
    path = os.path.join(exec_path, "git-http-backend")
    if not os.access(path, os.X_OK):
        sys.exit(f"git-http-backend not found at {path}")
    return path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so that Expect: 100-continue is answered at once
    server_version = "bench-git-http/1"
    backend = None  # set by main()
    root = None

    def log_message(self, format, *args):  # quiet: the bench prints its own table
        if os.environ.get("BENCH_HTTP_LOG"):
            super().log_message(format, *args)

    def do_GET(self):
        self.run_cgi()

    def do_POST(self):
        self.run_cgi()

    # -- request body ----------------------------------------------------------------------

    def feed_body(self, stdin, chunked, length):
        """Copy the request body to the CGI's stdin, de-chunking it if needed."""
        try:
            if chunked:
                while True:
                    line = self.rfile.readline(1024)
                    if not line:
                        break
                    size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        # trailers, up to the empty line
                        while True:
                            trailer = self.rfile.readline(8192)
                            if trailer in (b"\r\n", b"\n", b""):
                                break
                        break
                    remaining = size
                    while remaining:
                        data = self.rfile.read(min(remaining, COPY_SIZE))
                        if not data:
                            raise ConnectionError("body ended inside a chunk")
                        stdin.write(data)
                        remaining -= len(data)
                    self.rfile.readline(8)  # CRLF after the chunk
            else:
                remaining = length
                while remaining > 0:
                    data = self.rfile.read(min(remaining, COPY_SIZE))
                    if not data:
                        raise ConnectionError("body shorter than Content-Length")
                    stdin.write(data)
                    remaining -= len(data)
        except (BrokenPipeError, ConnectionError, ValueError) as error:
            self.body_error = error
        finally:
            try:
                stdin.close()
            except BrokenPipeError:
                pass

    # -- CGI -------------------------------------------------------------------------------

    def run_cgi(self):
        path, _, query = self.path.partition("?")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = 0 if chunked else int(self.headers.get("Content-Length") or 0)

        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "bench",  # enables receive-pack (http.receivepack's default)
            "REMOTE_ADDR": self.client_address[0],
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote(path),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
        }
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        if not chunked and self.command == "POST":
            env["CONTENT_LENGTH"] = str(length)
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]

        has_body = self.command == "POST"
        child = subprocess.Popen(
            [self.backend],
            env=env,
            stdin=subprocess.PIPE if has_body else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.body_error = None
        feeder = None
        if has_body:
            feeder = threading.Thread(
                target=self.feed_body, args=(child.stdin, chunked, length), daemon=True
            )
            feeder.start()

        try:
            self.relay_output(child.stdout)
        finally:
            child.stdout.close()
            if feeder:
                feeder.join()
            child.wait()
        if self.body_error:
            self.close_connection = True

    def relay_output(self, out):
        status = "200 OK"
        headers = []
        while True:
            line = out.readline()
            if not line:
                self.send_error(502, "CGI ended before its headers")
                return
            line = line.rstrip(b"\r\n").decode("latin-1")
            if not line:
                break
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = value.strip()
            else:
                headers.append((name.strip(), value.strip()))

        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason or None)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while True:
            data = out.read(COPY_SIZE)
            if not data:
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="GIT_PROJECT_ROOT: the bare repositories")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()

    Handler.backend = git_http_backend()
    Handler.root = os.path.abspath(args.root)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
