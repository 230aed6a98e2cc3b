#!/usr/bin/env python3
"""Resident bytes per key of eddy and redis-server, measured side by side in one run.

Loads the same keys into both servers with `redis-cli --pipe` and reports the growth of each
server's RSS (from /proc) divided by the number of keys.

  bench/memory.py --eddy build/server/eddy [--keys 1000000] [--value-size 10]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vs_redis import Server, free_port, rss_bytes  # noqa: E402


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def load(server, payload):
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload, check=True,
                   stdout=subprocess.DEVNULL)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eddy", default="build/server/eddy")
    p.add_argument("--keys", type=int, default=1000000)
    p.add_argument("--value-size", type=int, default=10)
    args = p.parse_args()
    value = b"v" * args.value_size
    payload = b"".join(resp(b"SET", b"key:%d" % i, value) for i in range(args.keys))
    workdir = tempfile.mkdtemp(prefix="eddy-mem-")
    eddy_port, redis_port = free_port(), free_port()
    eddy = Server("eddy", [os.path.abspath(args.eddy), "--port", str(eddy_port), "--dir", workdir],
                  eddy_port, workdir)
    redis = Server("redis", ["redis-server", "--port", str(redis_port), "--dir", workdir, "--save",
                             "", "--appendonly", "no"], redis_port, workdir)
    try:
        results = {}
        for server in (eddy, redis):
            before = rss_bytes(server.proc.pid)
            load(server, payload)
            time.sleep(0.5)
            results[server.name] = (rss_bytes(server.proc.pid) - before) / args.keys
        print(f"# {args.keys:,} keys, {args.value_size}-byte values, RSS growth per key")
        print("| server | bytes/key |")
        print("|---|---|")
        for name, per_key in results.items():
            print(f"| {name} | {per_key:.1f} |")
        print(f"| ratio eddy/redis | {results['eddy'] / results['redis']:.2f} |")
    finally:
        eddy.stop()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
