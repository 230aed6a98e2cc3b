#!/usr/bin/env python3
"""Resident memory of eddy under each preset: idle, and holding 100,000 small keys.

Starts eddy with `--preset NAME` on a fresh data directory, measures the RSS (and PSS, which
shares out the pages of libc among the processes mapping it) of the idle server, loads --keys
string keys (key:N, --value-size-byte distinct values) with `redis-cli --pipe`, and measures
again, with used_memory, the keys kept (DBSIZE: a preset's maxmemory may evict) and the data
directory's bytes (INFO resources). Prints a Markdown table for the README.

  bench/presets_rss.py [--eddy build-release-lto/server/eddy] [--keys 100000] [--value-size 10]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memory import value_of  # noqa: E402
from vs_redis import Server, free_port, pipe as load, resp, rss_bytes  # noqa: E402

PRESETS = ["minimal", "iot", "mobile", "standard", "full"]


def pss_bytes(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def info(port, section):
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", section], check=True,
                         capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def dbsize(port):
    return int(subprocess.run(["redis-cli", "-p", str(port), "DBSIZE"], check=True,
                              capture_output=True, text=True).stdout)


def mib(n):
    return f"{n / (1 << 20):.2f}"


def measure(eddy, preset, payload, settle):
    workdir = tempfile.mkdtemp(prefix="eddy-presets-")
    port = free_port()
    server = Server(preset, [os.path.abspath(eddy), "--preset", preset, "--port", str(port),
                             "--dir", workdir], port, workdir)
    try:
        time.sleep(settle)
        idle_rss, idle_pss = rss_bytes(server.proc.pid), pss_bytes(server.proc.pid)
        load(server, payload)
        time.sleep(settle)
        return {
            "idle_rss": idle_rss, "idle_pss": idle_pss,
            "rss": rss_bytes(server.proc.pid), "pss": pss_bytes(server.proc.pid),
            "used": int(info(port, "memory")["used_memory"]),
            "keys": dbsize(port),
            "disk": int(info(port, "resources")["disk_used"]),
        }
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    default = "build-release-lto/server/eddy"
    p.add_argument("--eddy", default=default if os.path.exists(default) else "build/server/eddy")
    p.add_argument("--keys", type=int, default=100000)
    p.add_argument("--value-size", type=int, default=10)
    p.add_argument("--settle", type=float, default=1.0,
                   help="seconds to wait before each measurement (default: %(default)s)")
    args = p.parse_args()
    payload = b"".join(resp(b"SET", b"key:%d" % i, value_of(i, args.value_size))
                       for i in range(args.keys))
    size = os.path.getsize(args.eddy)
    print(f"# {args.eddy} ({mib(size)} MiB); {args.keys:,} keys of {args.value_size}-byte values")
    print("| preset | idle RSS MiB | idle PSS MiB | RSS with keys MiB | PSS with keys MiB "
          "| used_memory MiB | keys kept | data dir MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for preset in PRESETS:
        m = measure(args.eddy, preset, payload, args.settle)
        print(f"| {preset} | {mib(m['idle_rss'])} | {mib(m['idle_pss'])} | {mib(m['rss'])} "
              f"| {mib(m['pss'])} | {mib(m['used'])} | {m['keys']:,} | {mib(m['disk'])} |",
              flush=True)


if __name__ == "__main__":
    main()
