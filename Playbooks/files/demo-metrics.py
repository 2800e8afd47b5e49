#!/usr/bin/env python3
"""The demo service's metrics endpoint, for analysis gates on the testbed (Python's standard library only).

    demo-metrics.py start ADDRESS PORT DIR   serve in the background (kept if already serving); returns once up
    demo-metrics.py set DIR NAME VALUE       change what it reports: error_ratio (0-1), latency_ms, status

Serves on ADDRESS:PORT:
  /metrics  Prometheus text: demo_error_ratio and demo_latency_seconds (gauges, as set), and
            demo_http_requests_total{code="200"|"500"} (simulated traffic of 100 requests a second, error_ratio
            of them 500s since the last scrape)
  /health   after latency_ms milliseconds, the status set (200 by default) and "ok" or "failing"
The values live in DIR (one file each), so a release step on the host changes them with `set`.
"""
import http.server
import os
import socket
import sys
import threading
import time


def read(directory, name, default):
    try:
        with open(os.path.join(directory, name)) as handle:
            return float(handle.read().strip())
    except (OSError, ValueError):
        return default


def handler(directory, started):
    counters = {"ok": 0.0, "errors": 0.0, "at": started}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ratio = min(max(read(directory, "error_ratio", 0.0), 0.0), 1.0)
            latency = max(read(directory, "latency_ms", 5.0), 0.0)
            if self.path == "/metrics":
                with lock:
                    now = time.time()
                    requests = (now - counters["at"]) * 100
                    counters["at"] = now
                    counters["errors"] += requests * ratio
                    counters["ok"] += requests * (1 - ratio)
                    errors, total = int(counters["errors"]), int(counters["errors"]) + int(counters["ok"])
                body = (
                    "# TYPE demo_error_ratio gauge\n"
                    f"demo_error_ratio {ratio}\n"
                    "# TYPE demo_latency_seconds gauge\n"
                    f"demo_latency_seconds {latency / 1000}\n"
                    "# TYPE demo_http_requests_total counter\n"
                    f'demo_http_requests_total{{code="200"}} {total - errors}\n'
                    f'demo_http_requests_total{{code="500"}} {errors}\n'
                ).encode()
                status = 200
            elif self.path == "/health":
                time.sleep(min(latency, 30000) / 1000)
                status = int(read(directory, "status", 200))
                body = b"ok\n" if status == 200 else b"failing\n"
            else:
                status, body = 404, b"not found\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments):
            pass

    return Handler


def serving(address, port):
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


def start(address, port, directory):
    os.makedirs(directory, exist_ok=True)
    if serving(address, port):
        return 0
    if os.fork() == 0:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for descriptor in (0, 1, 2):
            os.dup2(null, descriptor)
        server = http.server.ThreadingHTTPServer((address, port), handler(directory, time.time()))
        with open(os.path.join(directory, "pid"), "w") as handle:
            handle.write(f"{os.getpid()}\n")
        server.serve_forever()
        os._exit(0)
    for _ in range(100):  # up to 10 s
        if serving(address, port):
            return 0
        time.sleep(0.1)
    print(f"demo-metrics: nothing listens on {address}:{port} after 10 s", file=sys.stderr)
    return 1


def main(arguments):
    if len(arguments) == 4 and arguments[0] == "start":
        return start(arguments[1], int(arguments[2]), arguments[3])
    if len(arguments) == 4 and arguments[0] == "set" and arguments[2] in ("error_ratio", "latency_ms", "status"):
        float(arguments[3])
        os.makedirs(arguments[1], exist_ok=True)
        path = os.path.join(arguments[1], arguments[2])
        with open(path + ".new", "w") as handle:
            handle.write(arguments[3] + "\n")
        os.replace(path + ".new", path)
        return 0
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
