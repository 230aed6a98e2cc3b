#!/usr/bin/env python3
"""Durability costs of eddy and redis-server side by side, in one run, on the same data.

Both servers journal every write (eddy's journal; redis-server with appendonly yes), fsync every
second, and are loaded with the same --keys SET commands (key:N, --value-size-byte values). Then,
for each server:

  replay     SHUTDOWN NOSAVE, restart, time until it answers PING: the journal (AOF) replayed
             alone; records/s = keys / that time
  snapshot   BGSAVE: time until done, file size, the longest PING round trip seen by a client
             pinging without pause while the child writes (the pause commands see), and the
             fork's own duration (INFO latest_fork_usec)
  load       BGREWRITEAOF (the journal compacted into a snapshot), SHUTDOWN NOSAVE, restart,
             time until PING answers: restart from a snapshot

  bench/persistence.py --eddy build-release/server/eddy [--keys 1000000] [--value-size 10]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vs_redis import free_port, pipe, resp  # noqa: E402


class Client:
    """A minimal RESP client: enough for INFO, PING and the admin commands."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def call(self, *args):
        self.sock.sendall(resp(*[a.encode() if isinstance(a, str) else a for a in args]))
        return self.read()

    def recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def read(self):
        while b"\r\n" not in self.buf:
            self.recv()
        line, self.buf = self.buf.split(b"\r\n", 1)
        if line[:1] == b"$":
            n = int(line[1:])
            while len(self.buf) < n + 2:
                self.recv()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        return line.decode()


class Server:
    def __init__(self, name, argv, workdir):
        self.name, self.argv, self.workdir = name, argv, workdir
        self.port = free_port()
        self.proc = None

    def start(self):
        """Starts the server and returns the seconds until it answered PING."""
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv + ["--port", str(self.port)], cwd=self.workdir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return time.monotonic() - started
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
                time.sleep(0.002)

    def info(self, field, section="persistence"):
        text = Client(self.port).call("INFO", section)
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1]
        return None

    def wait_idle(self):
        while self.info("rdb_bgsave_in_progress") != "0" or self.info("aof_rewrite_in_progress") != "0":
            time.sleep(0.01)

    def shutdown_nosave(self):
        try:
            Client(self.port).call("SHUTDOWN", "NOSAVE")
        except (ConnectionError, IndexError, OSError):
            pass
        self.proc.wait(60)


def longest_ping(port, stop):
    """The longest PING round trip while `stop` is not set, in milliseconds."""
    client = Client(port)
    worst = 0.0
    while not stop.is_set():
        t = time.monotonic()
        client.call("PING")
        worst = max(worst, time.monotonic() - t)
    return worst * 1000


def measure(server, args, payload):
    row = {}
    server.start()
    pipe(server, payload)
    Client(server.port).call("SET", "probe", "1")
    time.sleep(1.5)  # let the everysec fsync cover everything
    server.shutdown_nosave()
    row["replay_s"] = server.start()
    row["keys"] = int(Client(server.port).call("DBSIZE")[1:])

    stop = threading.Event()
    result = {}
    probe = threading.Thread(target=lambda: result.update(ms=longest_ping(server.port, stop)))
    probe.start()
    time.sleep(0.2)
    t = time.monotonic()
    Client(server.port).call("BGSAVE")
    server.wait_idle()
    row["snapshot_s"] = time.monotonic() - t
    stop.set()
    probe.join()
    row["pause_ms"] = result["ms"]
    row["fork_ms"] = int(server.info("latest_fork_usec", "stats")) / 1000
    snapshot = os.path.join(server.workdir, "snapshot.eddy" if server.name == "eddy" else "dump.rdb")
    row["snapshot_mb"] = os.path.getsize(snapshot) / 1e6

    Client(server.port).call("BGREWRITEAOF")
    time.sleep(0.05)
    server.wait_idle()
    server.shutdown_nosave()
    row["load_s"] = server.start()
    server.shutdown_nosave()
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eddy", default="build-release/server/eddy")
    p.add_argument("--keys", type=int, default=1_000_000)
    p.add_argument("--value-size", type=int, default=10)
    args = p.parse_args()
    for tool in ("redis-server", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install redis-server redis-tools")

    value = b"v" * args.value_size
    payload = b"".join(resp(b"SET", b"key:%d" % i, value) for i in range(args.keys))
    dirs = [tempfile.mkdtemp(prefix="eddy-bench-persist-") for _ in range(2)]
    servers = [
        Server("eddy", [os.path.abspath(args.eddy), "--dir", dirs[0], "--appendfsync", "everysec"],
               dirs[0]),
        Server("redis", ["redis-server", "--dir", dirs[1], "--appendonly", "yes", "--appendfsync",
                         "everysec", "--save", ""], dirs[1]),
    ]
    print(f"# machine: {os.uname().nodename} {os.uname().machine}, {os.cpu_count()} cores")
    print(f"# {args.keys:,} keys, {args.value_size}-byte values, appendfsync everysec")
    print("| server | journal replay s | records/s | BGSAVE s | snapshot MB | longest PING during "
          "BGSAVE ms | fork ms | restart from snapshot s |")
    print("|---|---|---|---|---|---|---|---|")
    try:
        for server in servers:
            row = measure(server, args, payload)
            print(f"| {server.name} | {row['replay_s']:.2f} | {row['keys'] / row['replay_s']:,.0f} | "
                  f"{row['snapshot_s']:.2f} | {row['snapshot_mb']:.1f} | {row['pause_ms']:.1f} | "
                  f"{row['fork_ms']:.1f} | "
                  f"{row['load_s']:.2f} |", flush=True)
    finally:
        for server in servers:
            if server.proc and server.proc.poll() is None:
                server.proc.kill()
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
