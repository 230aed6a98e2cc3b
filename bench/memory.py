#!/usr/bin/env python3
"""Resident bytes per key, list element or hash field of eddy and redis-server, side by side.

Loads the same data into both servers with `redis-cli --pipe` and reports the growth of each
server's RSS (from /proc) divided by the number of items loaded.

  bench/memory.py --eddy build/server/eddy [--mode strings] [--keys 1000000] [--value-size 10]

Modes (--mode, default strings; `all` runs the three in turn on fresh servers):
  strings  --keys string keys (key:N) of --value-size-byte values; reports bytes per key
  lists    --lists lists (list:N) of --list-length --value-size-byte elements (default 1,000
           lists of 1,000 10-byte elements); reports bytes per element
  hashes   --hashes hashes (hash:N) of --hash-fields fields (field0..field9 by default) with
           --value-size-byte values (default 100,000 hashes of 10 fields); reports bytes per field

  bench/memory.py --eddy build/server/eddy --mode lists
  bench/memory.py --eddy build/server/eddy --mode hashes --hashes 100000 --hash-fields 10
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vs_redis import Server, free_port, pipe as load, resp, rss_bytes  # noqa: E402


def value_of(i, size):
    """A distinct value of exactly `size` bytes (distinct so no server can share them)."""
    digits = b"%d" % i
    return (b"v" * size + digits)[-size:] if size >= len(digits) else digits[:size]


def strings_payload(args):
    value = b"v" * args.value_size
    payload = b"".join(resp(b"SET", b"key:%d" % i, value) for i in range(args.keys))
    return payload, args.keys, f"{args.keys:,} keys, {args.value_size}-byte values", "key"


def lists_payload(args):
    # One RPUSH per list (at most 1,000 elements per command, so no single command is huge).
    parts = []
    for i in range(args.lists):
        key = b"list:%d" % i
        for start in range(0, args.list_length, 1000):
            end = min(start + 1000, args.list_length)
            parts.append(resp(b"RPUSH", key,
                              *[value_of(j, args.value_size) for j in range(start, end)]))
    items = args.lists * args.list_length
    return (b"".join(parts), items, f"{args.lists:,} lists of {args.list_length:,} "
            f"{args.value_size}-byte elements", "element")


def hashes_payload(args):
    fields = [b"field%d" % f for f in range(args.hash_fields)]
    parts = []
    for i in range(args.hashes):
        argv = [b"HSET", b"hash:%d" % i]
        for f, name in enumerate(fields):
            argv += [name, value_of(i * args.hash_fields + f, args.value_size)]
        parts.append(resp(*argv))
    items = args.hashes * args.hash_fields
    return (b"".join(parts), items, f"{args.hashes:,} hashes of {args.hash_fields} fields, "
            f"{args.value_size}-byte values", "field")


PAYLOADS = {"strings": strings_payload, "lists": lists_payload, "hashes": hashes_payload}


def measure(args, mode):
    payload, items, description, unit = PAYLOADS[mode](args)
    workdir = tempfile.mkdtemp(prefix="eddy-mem-")
    eddy_port, redis_port = free_port(), free_port()
    eddy = Server("eddy", [os.path.abspath(args.eddy), "--port", str(eddy_port), "--dir", workdir]
                  + args.eddy_args.split(), eddy_port, workdir)
    redis = Server("redis", ["redis-server", "--port", str(redis_port), "--dir", workdir, "--save",
                             "", "--appendonly", "no"], redis_port, workdir)
    try:
        results = {}
        for server in (eddy, redis):
            before = rss_bytes(server.proc.pid)
            load(server, payload)
            time.sleep(0.5)
            results[server.name] = (rss_bytes(server.proc.pid) - before) / items
        print(f"# {description}, RSS growth per {unit}")
        print(f"| server | bytes/{unit} |")
        print("|---|---|")
        for name, per_item in results.items():
            print(f"| {name} | {per_item:.1f} |")
        print(f"| ratio eddy/redis | {results['eddy'] / results['redis']:.2f} |", flush=True)
    finally:
        eddy.stop()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eddy", default="build/server/eddy")
    p.add_argument("--mode", choices=["strings", "lists", "hashes", "all"], default="strings",
                   help="what to load (default: %(default)s)")
    p.add_argument("--keys", type=int, default=1000000, help="strings mode: number of keys")
    p.add_argument("--value-size", type=int, default=10,
                   help="bytes per string value, list element or hash value (default: 10)")
    p.add_argument("--lists", type=int, default=1000, help="lists mode: number of lists")
    p.add_argument("--list-length", type=int, default=1000, help="lists mode: elements per list")
    p.add_argument("--hashes", type=int, default=100000, help="hashes mode: number of hashes")
    p.add_argument("--hash-fields", type=int, default=10, help="hashes mode: fields per hash")
    p.add_argument("--eddy-args", default="", help="extra eddy directives, e.g. '--appendonly no'")
    args = p.parse_args()
    for mode in (["strings", "lists", "hashes"] if args.mode == "all" else [args.mode]):
        measure(args, mode)


if __name__ == "__main__":
    main()
