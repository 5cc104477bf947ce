#!/usr/bin/env python3
"""Cluster benchmarks on loopback: a private etcd and three `ffleet run
--cluster` daemons (docs/cluster.md). Prints:

  failover   p50/max seconds from SIGKILL of a node to all of its jobs
             running again on the others, over --tries kills
  place      seconds from `ctl apply` of --place-jobs jobs to all running
  steady     CPU and RSS of the leader and the other nodes at that size
  apply      seconds for an apply that changes 10 % of them
  single     CPU and RSS of one plain daemon with a third of them
  outage     etcd frozen (SIGSTOP: up but unreachable, so it expires every
             lease once thawed) for --outage seconds: how many jobs kept
             their process, how many nodes fenced, and how long after etcd's
             return a newly applied job runs (failsafe, docs/cluster.md)

usage: cluster_bench.py BUILD_DIR [--ttl 2s] [--tries 20] [--jobs 30] [--place-jobs 3000] [--steady 30]
                        [--outage 60] [--skip-failover] [--outage 60]
"""
import argparse, contextlib, json, os, shutil, signal, socket, subprocess, statistics, sys, tempfile, time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    def __init__(self, ffleet, ttl, workdir):
        self.ffleet, self.ttl, self.dir = ffleet, ttl, workdir
        cport, pport = free_port(), free_port()
        self.endpoint = f"http://127.0.0.1:{cport}"
        peer = f"http://127.0.0.1:{pport}"
        self.etcd = subprocess.Popen(
            ["etcd", "--name", "b", "--data-dir", os.path.join(workdir, "etcd"), "--listen-client-urls", self.endpoint,
             "--advertise-client-urls", self.endpoint, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", "b=" + peer, "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "etcd.log"), "w"))
        self.nodes, self.ports = {}, {}
        self.wait(lambda: subprocess.run(["etcdctl", "--endpoints", self.endpoint, "endpoint", "health"],
                                         capture_output=True).returncode == 0, 30)

    def start(self, name):
        self.ports.setdefault(name, free_port())
        log = open(os.path.join(self.dir, name + ".log"), "a")
        self.nodes[name] = subprocess.Popen(
            [self.ffleet, "run", "--cluster", self.endpoint, "--node", name, "--control", self.address(name),
             "--lease-ttl", self.ttl, "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=log)

    def start_three_with(self, jobs):
        for n in ("n1", "n2", "n3"):
            self.start(n)
        assert self.wait(lambda: len(self.json("n1", "nodes") or []) == 3, 30), "nodes did not come up"
        assert self.ctl("n1", "apply", job_file(os.path.join(self.dir, "jobs.yaml"), jobs))[0] == 0
        assert self.wait(lambda: len(self.running("n1")) == jobs, 60), "jobs did not start"

    def address(self, name):
        return f"127.0.0.1:{self.ports[name]}"

    def ctl(self, via, *words):
        r = subprocess.run([self.ffleet, "ctl", "--connect", self.address(via), *words], capture_output=True, text=True)
        return r.returncode, r.stdout

    def json(self, via, *words):
        code, out = self.ctl(via, *words, "--json")
        return json.loads(out) if code == 0 else None

    def running(self, via):
        status = self.json(via, "status") or []
        return {s["id"]: s["node"] for s in status if s["state"] == "running" and s["pid"] is not None}

    def leader(self, via):
        for n in self.json(via, "nodes") or []:
            if n["leader"]:
                return n["name"]
        return None

    @staticmethod
    def wait(condition, timeout, step=0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(step)
        return False

    def stop(self):
        for p in self.nodes.values():
            p.kill()
            p.wait()
        self.etcd.kill()
        self.etcd.wait()


@contextlib.contextmanager
def cluster(ffleet, ttl, name):
    """A private etcd in a temp folder; its daemons and etcd are killed and the folder removed at the end."""
    workdir = tempfile.mkdtemp(prefix=f"ffleet-bench-{name}-")
    c = Cluster(ffleet, ttl, workdir)
    try:
        yield c
    finally:
        c.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def job_file(path, n, changed=()):
    """n sleep jobs job-0..; the jobs in `changed` sleep a different time (a changed definition)."""
    with open(path, "w") as f:
        f.write("version: 1\ndefaults:\n  binary: sleep\n  args: [\"100000\"]\n  stop_timeout: 1s\njobs:\n")
        for i in range(n):
            f.write(f"  - id: job-{i}\n")
            if i in changed:
                f.write("    args: [\"100001\"]\n")
    return path


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def usage(pids, seconds):
    """CPU (% of one core) over `seconds` and RSS at the end, for each name -> pid."""
    before = {n: cpu_seconds(p) for n, p in pids.items()}
    time.sleep(seconds)  # the measuring interval
    return {n: (100 * (cpu_seconds(p) - before[n]) / seconds, rss_mib(p)) for n, p in pids.items()}


def bench_single(ffleet, jobs, seconds):
    """The single-node daemon with the same sleep jobs: the figure the cluster is compared with."""
    workdir = tempfile.mkdtemp(prefix="ffleet-bench-single-")
    port = free_port()
    d = subprocess.Popen([ffleet, "run", job_file(os.path.join(workdir, "jobs.yaml"), jobs), "--control",
                          f"127.0.0.1:{port}", "--log-level", "warn"], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(workdir, "d.log"), "w"))
    try:
        def all_running():
            r = subprocess.run([ffleet, "ctl", "--connect", f"127.0.0.1:{port}", "status", "--json"],
                               capture_output=True, text=True)
            return r.returncode == 0 and sum(1 for s in json.loads(r.stdout) if s["state"] == "running") == jobs
        assert Cluster.wait(all_running, 300, 0.5), "the single node did not start its jobs"
        time.sleep(5)  # let start-up settle; steady state is what we compare
        cpu, rss = usage({"single": d.pid}, seconds)["single"]
        print(f"single    one node, {jobs} jobs, steady {seconds} s: CPU {cpu:.2f} % of a core, RSS {rss:.1f} MiB")
    finally:
        d.kill()
        d.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def bench_failover(ffleet, ttl, tries, jobs):
    with cluster(ffleet, ttl, "failover") as c:
        c.start_three_with(jobs)
        times = []
        for _ in range(tries):
            placed = c.running("n1")
            leader = c.leader("n1")
            counts = {n: list(placed.values()).count(n) for n in c.nodes}
            victim = max((n for n in c.nodes if n != leader), key=lambda n: counts[n])
            survivor = next(n for n in c.nodes if n != victim)
            t0 = time.monotonic()
            c.nodes[victim].kill()
            c.nodes[victim].wait()
            ok = c.wait(lambda: (lambda r: len(r) == jobs and victim not in r.values())(c.running(survivor)), 60, 0.02)
            times.append(time.monotonic() - t0)
            assert ok, "failover did not complete"
            c.start(victim)
            assert c.wait(lambda: any(n["name"] == victim and n["state"] == "ready"
                                      for n in c.json(survivor, "nodes") or []), 30)
        print(f"failover  lease_ttl {ttl}: {tries} kills of a node with ~{jobs // 3} of {jobs} jobs: "
              f"p50 {statistics.median(times):.2f} s, max {max(times):.2f} s, min {min(times):.2f} s")


def bench_place(ffleet, ttl, jobs, steady):
    with cluster(ffleet, ttl, "place") as c:
        workdir = c.dir
        for n in ("n1", "n2", "n3"):
            c.start(n)
        assert c.wait(lambda: len(c.json("n1", "nodes") or []) == 3, 30)
        time.sleep(float(ttl.rstrip("s")) + 0.5)  # the leader's wait after its election is not what we measure
        path = job_file(os.path.join(workdir, "jobs.yaml"), jobs)
        t0 = time.monotonic()
        assert c.ctl("n1", "apply", path)[0] == 0
        ok = c.wait(lambda: len(c.running("n1")) == jobs, 300, 0.5)
        elapsed = time.monotonic() - t0
        counts = {}
        for node in c.running("n1").values():
            counts[node] = counts.get(node, 0) + 1
        print(f"place     {jobs} jobs on 3 nodes: all running after {elapsed:.1f} s ({'ok' if ok else 'TIMED OUT'}), "
              f"per node {dict(sorted(counts.items()))}")
        if not ok:
            return
        time.sleep(5)  # let start-up settle; steady state is what we measure
        leader = c.leader("n1")
        for name, (cpu, rss) in sorted(usage({n: p.pid for n, p in c.nodes.items()}, steady).items()):
            role = "leader" if name == leader else "node  "
            print(f"steady    {role} {name}: {counts.get(name, 0)} jobs, CPU {cpu:.2f} % of a core, RSS {rss:.1f} MiB "
                  f"over {steady} s")
        # An apply that changes 10 %: those restart with the new definition, the rest keep their process.
        before = {s["id"]: s["pid"] for s in c.json("n1", "status")}
        changed = set(range(0, jobs, 10))
        path = job_file(os.path.join(workdir, "changed.yaml"), jobs, changed)
        t0 = time.monotonic()
        assert c.ctl("n1", "apply", path)[0] == 0
        def settled():
            now = {s["id"]: s["pid"] for s in c.json("n1", "status") or [] if s["state"] == "running"}
            return len(now) == jobs and all(now[f"job-{i}"] != before[f"job-{i}"] for i in changed)
        ok = c.wait(settled, 300, 0.5)
        elapsed = time.monotonic() - t0
        after = {s["id"]: s["pid"] for s in c.json("n1", "status")}
        kept = sum(1 for i in range(jobs) if i not in changed and after.get(f"job-{i}") == before[f"job-{i}"])
        print(f"apply     {len(changed)} of {jobs} jobs changed: all running again after {elapsed:.1f} s "
              f"({'ok' if ok else 'TIMED OUT'}); {kept}/{jobs - len(changed)} unchanged jobs kept their process")


def bench_outage(ffleet, ttl, jobs, outage):
    with cluster(ffleet, ttl, "outage") as c:
        workdir = c.dir
        c.start_three_with(jobs)
        pids = {s["id"]: s["pid"] for s in c.json("n1", "status")}
        c.etcd.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        time.sleep(outage)  # the outage is the measured condition
        c.etcd.send_signal(signal.SIGCONT)
        frozen = time.monotonic() - t0
        t1 = time.monotonic()
        ok = c.wait(lambda: c.ctl("n1", "apply", job_file(os.path.join(workdir, "more.yaml"), jobs + 1))[0] == 0, 60)
        ok = ok and c.wait(lambda: len(c.running("n1")) == jobs + 1, 120, 0.1)
        back = time.monotonic() - t1
        after = {s["id"]: s["pid"] for s in c.json("n1", "status")}
        kept = sum(1 for job, pid in pids.items() if after.get(job) == pid)
        fenced = sum(open(os.path.join(workdir, n + ".log")).read().count("fencing") for n in c.nodes)
        print(f"outage    etcd frozen {frozen:.1f} s, lease_ttl {ttl}, {jobs} jobs on 3 nodes: {kept}/{jobs} kept "
              f"their process, {fenced} fencings; a new job ran {back:.1f} s after etcd's return "
              f"({'ok' if ok else 'TIMED OUT'})")


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the clusters' cleanup runs
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--ttl", default="2s")
    ap.add_argument("--tries", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=30)
    ap.add_argument("--place-jobs", type=int, default=3000)
    ap.add_argument("--outage", type=float, default=60, help="seconds; 0 = skip")
    ap.add_argument("--steady", type=int, default=30, help="seconds of CPU/RSS measurement at --place-jobs")
    ap.add_argument("--skip-failover", action="store_true")
    a = ap.parse_args()
    ffleet = os.path.join(a.build, "app", "ffleet")
    if a.outage > 0:
        bench_outage(ffleet, a.ttl, a.jobs, a.outage)
    if not a.skip_failover:
        bench_failover(ffleet, a.ttl, a.tries, a.jobs)
    if a.place_jobs > 0:
        bench_place(ffleet, a.ttl, a.place_jobs, a.steady)
        bench_single(ffleet, a.place_jobs // 3, a.steady)


if __name__ == "__main__":
    sys.exit(main())
