#!/usr/bin/env python3
"""Edge -> hub catch-up after an outage: how fast a hub merges an edge's backlog.

An edge takes --effects SETs (distinct keys, --value-size-byte values) while its hub is down; the
bench waits until the edge's journal holds them all (fsynced: they are in its outbox), starts
the hub, and times from the hub's first PONG until `EDGE.SYNC WAIT` on the edge answers +OK
(which reconnects at once; +OK means every unit acknowledged by the hub, fsynced there, and a
pull that found nothing new). Effects merged per second =
effects / that time. The hub's key count is checked against the edge's at the end.

  bench/sync_catchup.py --eddy build-release/server/eddy [--effects 1000000] [--runs 3]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from persistence import Client, Server  # noqa: E402
from vs_redis import free_port, pipe, resp  # noqa: E402


def edge_status(port):
    """EDGE.STATUS as a dict (RESP2: alternating field/value bulk strings)."""
    client = Client(port)
    client.sock.sendall(resp(b"EDGE.STATUS"))
    header = client.read()
    fields = [client.read() for _ in range(int(header[1:]))]
    return dict(zip(fields[0::2], fields[1::2]))


def one_run(args, workdir):
    hub_port = free_port()
    edge = Server("edge", [os.path.abspath(args.eddy), "--dir", os.path.join(workdir, "edge"),
                           "--hub", f"127.0.0.1:{hub_port}", "--node-name", "bench-edge"],
                  workdir)
    hub = Server("hub", [os.path.abspath(args.eddy), "--role", "hub", "--dir",
                         os.path.join(workdir, "hub")], workdir)
    hub.port = hub_port
    for d in ("edge", "hub"):
        os.makedirs(os.path.join(workdir, d))
    try:
        edge.start()
        value = b"v" * args.value_size
        payload = b"".join(resp(b"SET", b"key:%d" % i, value) for i in range(args.effects))
        pipe(edge, payload)
        deadline = time.monotonic() + 120
        while int((status := edge_status(edge.port))["pending_effects"]) < args.effects:
            if time.monotonic() > deadline:
                raise RuntimeError("the edge never queued its backlog")
            time.sleep(0.05)
        queued = int(status["pending_bytes"]) / args.effects
        hub.start()
        started = time.monotonic()
        # EDGE.SYNC reconnects at once instead of waiting out the edge's backoff.
        reply = Client(edge.port).call("EDGE.SYNC", "WAIT", "120000")
        elapsed = time.monotonic() - started
        if reply != "+OK":
            raise RuntimeError(f"EDGE.SYNC WAIT answered {reply}")
        keys = int(Client(hub.port).call("DBSIZE")[1:])
        if keys != args.effects:
            raise RuntimeError(f"the hub holds {keys} keys, expected {args.effects}")
        return elapsed, queued
    finally:
        for server in (edge, hub):
            if server.proc and server.proc.poll() is None:
                server.proc.kill()
                server.proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eddy", default="build-release/server/eddy")
    p.add_argument("--effects", type=int, default=1_000_000)
    p.add_argument("--value-size", type=int, default=16)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    if not shutil.which("redis-cli"):
        sys.exit("redis-cli is missing: apt-get install redis-tools")
    print(f"# machine: {os.uname().nodename} {os.uname().machine}, {os.cpu_count()} cores")
    print(f"# {args.effects:,} SETs of {args.value_size}-byte values queued at an edge while "
          "its hub was down")
    times = []
    for run in range(args.runs):
        workdir = tempfile.mkdtemp(prefix="eddy-bench-sync-")
        try:
            elapsed, queued = one_run(args, workdir)
            times.append(elapsed)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(f"run {run + 1}: converged {times[-1]:.2f} s after the hub was up, "
              f"{args.effects / times[-1]:,.0f} effects/s; the backlog queued at "
              f"{queued:.1f} bytes per effect", flush=True)
    median = statistics.median(times)
    print(f"median of {len(times)}: {median:.2f} s, {args.effects / median:,.0f} effects/s")


if __name__ == "__main__":
    main()
