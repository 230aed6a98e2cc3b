#!/usr/bin/env python3
"""Side-by-side throughput of eddy and redis-server, measured in one run.

Starts both servers on loopback, then for every test and pipeline depth runs redis-benchmark
against eddy and redis-server alternately (A/B/A/B...) and reports, per test: the median
requests/s of each, the paired ratio eddy/redis (median, min..max over the rounds), and each
server's CPU time per request (utime+stime of the server process from /proc, divided by the
requests it served). On a 2-core machine redis-benchmark saturates one core at pipeline 1 and 16,
so CPU per request and requests/s at pipeline 64 are the figures that tell servers apart.

  bench/vs_redis.py --eddy build/server/eddy [--tests set,get,incr,mset] [--pipelines 1,16,64]
                    [--rounds 5] [--requests 200000] [--clients 50] [--keyspace 100000]

--tests takes redis-benchmark -t names (set, get, incr, mset, lpush, rpush, lpop, rpop, hset, ...),
the extra tests below, and the groups strings (set,get,incr,mset), lists
(lpush,rpush,lpop,rpop,lrange_100,lrange_600), hashes (hset,hget) and all:

  lpop, rpop   each run first pushes as many elements as it will pop (untimed), so every pop hits
  lrange_100   LRANGE mylist 0 99 / 0 599 on a list of 600 3-byte elements filled before the run,
  lrange_600   the command redis-benchmark's own lrange tests time, without their timed fill
  hget         HGET myhash element:__rand_int__ on a hash filled beforehand with every field of
               the keyspace (the fields -t hset writes), so every HGET hits

Lists and hashes at pipeline 1 and 16:

  bench/vs_redis.py --eddy build/server/eddy --tests lists,hashes --pipelines 1,16
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Server:
    def __init__(self, name, argv, port, workdir):
        self.name, self.port = name, port
        self.prepared = {}
        self.proc = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_ready(port)

    def flush(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "FLUSHALL"], check=True,
                       stdout=subprocess.DEVNULL)
        self.prepared = {}

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


GROUPS = {
    "strings": ["set", "get", "incr", "mset"],
    "lists": ["lpush", "rpush", "lpop", "rpop", "lrange_100", "lrange_600"],
    "hashes": ["hset", "hget"],
}
GROUPS["all"] = GROUPS["strings"] + GROUPS["lists"] + GROUPS["hashes"]

# Tests timed as a custom command line rather than with -t: the lrange tests of redis-benchmark
# time their own LPUSH fill too (and its CPU would count), and there is no -t for HGET.
CUSTOM = {
    "lrange_100": ["lrange", "mylist", "0", "99"],
    "lrange_600": ["lrange", "mylist", "0", "599"],
    "hget": ["hget", "myhash", "element:__rand_int__"],
}


def expand_tests(spec):
    tests = []
    for name in spec.split(","):
        name = name.strip().lower()
        tests.extend(GROUPS.get(name, [name] if name else []))
    return tests


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def pipe(server, payload):
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload, check=True,
                   stdout=subprocess.DEVNULL)


def prepare(server, test, args):
    """Untimed setup that a test needs on `server` before each timed run."""
    if test in ("lpop", "rpop"):
        # The same 3-byte "xxx" elements that -t lpush writes, one for every pop to come.
        batch = 1000
        payload = b"".join(resp(b"RPUSH", b"mylist", *[b"xxx"] * min(batch, args.requests - i))
                           for i in range(0, args.requests, batch))
        pipe(server, payload)
    elif test in ("lrange_100", "lrange_600"):
        pipe(server, resp(b"DEL", b"mylist") + resp(b"RPUSH", b"mylist", *[b"xxx"] * 600))
    elif test == "hget" and not server.prepared.get("hget"):
        fields = []
        for i in range(args.keyspace):
            fields += [b"element:%012d" % i, b"xxx"]
        payload = b"".join(resp(b"HSET", b"myhash", *fields[j:j + 2000])
                           for j in range(0, len(fields), 2000))
        pipe(server, payload)
        server.prepared["hget"] = True


def run_benchmark(server, test, pipeline, args):
    prepare(server, test, args)
    cmd = ["redis-benchmark", "-p", str(server.port), "-c", str(args.clients), "-n",
           str(args.requests), "-P", str(pipeline), "-r", str(args.keyspace), "--csv"]
    cmd += CUSTOM[test] if test in CUSTOM else ["-t", test]
    before = cpu_seconds(server.proc.pid)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(server.proc.pid) - before
    rows = [line for line in out.splitlines() if line and not line.startswith('"test"')]
    # The timed test is the last row (redis-benchmark prints fill steps such as
    # "LPUSH (needed to benchmark LRANGE)" before it).
    rps = float(re.findall(r'"([\d.]+)"', rows[-1])[0])
    requests = args.requests
    return rps, cpu / requests * 1e6  # µs of server CPU per request


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eddy", default="build/server/eddy")
    p.add_argument("--tests", default="set,get,incr,mset",
                   help="comma-separated redis-benchmark -t names, lrange_100, lrange_600, hget, "
                        "or the groups strings, lists, hashes, all (default: %(default)s)")
    p.add_argument("--pipelines", default="1,16,64")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=200000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--keyspace", type=int, default=100000)
    p.add_argument("--eddy-args", default="", help="extra eddy directives, e.g. '--appendonly no'")
    p.add_argument("--redis-args", default="--save '' --appendonly no")
    args = p.parse_args()

    for tool in ("redis-server", "redis-benchmark", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install redis-server redis-tools")
    workdir = tempfile.mkdtemp(prefix="eddy-bench-")
    eddy_port, redis_port = free_port(), free_port()
    eddy = Server("eddy", [os.path.abspath(args.eddy), "--port", str(eddy_port), "--dir", workdir]
                  + args.eddy_args.split(), eddy_port, workdir)
    redis = Server("redis", ["redis-server", "--port", str(redis_port), "--dir", workdir]
                   + [a.strip("'") for a in args.redis_args.split()], redis_port, workdir)
    print(f"# machine: {os.uname().nodename} {os.uname().machine}, {os.cpu_count()} cores")
    print(f"# redis-benchmark -c {args.clients} -n {args.requests} -r {args.keyspace}, "
          f"{args.rounds} rounds alternating eddy/redis, medians")
    print("| test | pipeline | eddy req/s | redis req/s | ratio (min..max) "
          "| eddy CPU µs/req | redis CPU µs/req | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    try:
        for test in expand_tests(args.tests):
            for pipeline in [int(x) for x in args.pipelines.split(",")]:
                results = {"eddy": [], "redis": []}
                for _ in range(args.rounds):
                    for server in (eddy, redis):
                        results[server.name].append(run_benchmark(server, test, pipeline, args))
                ratios = [e[0] / r[0] for e, r in zip(results["eddy"], results["redis"])]
                e_rps = statistics.median(x[0] for x in results["eddy"])
                r_rps = statistics.median(x[0] for x in results["redis"])
                e_cpu = statistics.median(x[1] for x in results["eddy"])
                r_cpu = statistics.median(x[1] for x in results["redis"])
                print(f"| {test.upper()} | {pipeline} | {e_rps:,.0f} | {r_rps:,.0f} | "
                      f"{statistics.median(ratios):.2f} ({min(ratios):.2f}..{max(ratios):.2f}) | "
                      f"{e_cpu:.2f} | {r_cpu:.2f} | "
                      f"{f'{e_cpu / r_cpu:.2f}' if r_cpu else 'n/a'} |", flush=True)
        print(f"# RSS after the run: eddy {rss_bytes(eddy.proc.pid) / 1e6:.1f} MB, "
              f"redis {rss_bytes(redis.proc.pid) / 1e6:.1f} MB")
    finally:
        eddy.stop()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
