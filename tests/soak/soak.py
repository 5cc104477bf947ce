#!/usr/bin/env python3
"""Chaos soak: a fleet of misbehaving children under ffleet for a while, then
a report of what ffleet did with them, checked against what the children and
the kernel say (not against ffleet's own view).

The children are tests/helpers/helper_chaos: each run crashes, hangs (stale
timeout), floods stderr, exceeds its cpu or memory limit, fails or exits
cleanly, at random, and first appends "start ID PID" to a record file. While
the soak runs, this script stops, starts, restarts and kills random jobs
with `ffleet ctl`, reloads a changed job file (SIGHUP or `ctl reload`:
some jobs removed, re-added or changed), and samples every --sample-s:
ffleet's fd count and RSS, and every process in /proc (live processes per
job id; zombies left by ffleet).

At the end it stops ffleet with SIGTERM and reports:
  restarts    children's own starts vs the runs in ffleet's events, and
              restarts expected (an exit while the job's order was "start")
              vs done (followed by a new run of that job);
  lost exits  a child that recorded its start but has no exit event;
  zombies     a child of ffleet left unreaped longer than --zombie-grace-s;
  duplicates  two live processes of one job id at the same moment (/proc);
  survivors   a child still alive after ffleet exited;
  fds, RSS    over time; growth from the early window (20-40 % of the run)
              to the late window (the last 20 %).
It exits 1 if any of lost exits, zombies, duplicates, survivors is non-zero,
if ffleet exits with an error, or if fds or RSS grew beyond the bounds
(--fd-growth, --rss-growth-mib, plus a proportional --growth-percent).
"""

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ffleet", required=True, help="the ffleet binary")
    p.add_argument("--helper", required=True, help="the helper_chaos binary")
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--workdir", help="where the job file, records, events and log go (default: a new temp dir)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--sample-s", type=float, default=2.0)
    p.add_argument("--ctl-every-s", type=float, default=2.0, help="one random ctl command this often")
    p.add_argument("--reload-every-s", type=float, default=30.0)
    p.add_argument("--shutdown-timeout-s", type=int, default=300,
                   help="how long ffleet may take to stop after SIGTERM")
    p.add_argument("--zombie-grace-s", type=float, default=10.0,
                   help="an exited child may wait this long to be reaped (a loaded machine is slow)")
    p.add_argument("--restart-grace-s", type=float, default=20.0,
                   help="a restart counts as done if it comes within reconnect delay + this")
    p.add_argument("--fd-growth", type=int, default=16, help="fds the late window may exceed the early one by")
    p.add_argument("--rss-growth-mib", type=float, default=16)
    p.add_argument("--growth-percent", type=float, default=10, help="proportional slack on top, both bounds")
    return p.parse_args()


# ---------------------------------------------------------------- job file

RECONNECT_DELAY_S = 1.0
# No behaviour of helper_chaos lives longer than 60 s (normal) plus the flood
# bursts, and stale (5 s), limit (2 s + sampling) and stop (2 s) kills end
# the others within seconds: a child alive this long was not killed in time.
OVERDUE_S = 120


def job_entry(job_id, helper, records, variant):
    """One job; `variant` is an extra argument a reload bumps to change the job."""
    return {
        "id": job_id,
        "binary": helper,
        "args": ["--id", "{id}", "--records", records, "--variant", str(variant)],
        "reconnect_delay": "%gs" % RECONNECT_DELAY_S,
        "stale_timeout": "5s",
        "stop_timeout": "2s",
        # cpu 5 %: a burner must exceed it even when it gets a small share of
        # a crowded machine; the other behaviours stay far below.
        "limits": {"cpu": 5, "memory": "32MiB", "duration": "2s"},
        "log_lines": 20,
        "history": 2,
    }


def write_job_file(path, jobs):
    # JSON is YAML: the loader reads it as it is. Written whole, then renamed,
    # so a reload never reads half a file.
    doc = {"version": 1, "jobs": jobs}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, path)


# ---------------------------------------------------------------- /proc

def read_proc(pid):
    """(state, ppid, cmdline args, start time in ticks) of a process, or None
    if it is gone. The start time tells two processes with one pid apart:
    a long soak starts more processes than there are pids."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().split(b"\0")
    except OSError:
        return None
    rest = stat[stat.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), [c.decode(errors="replace") for c in cmd if c], int(rest[19])


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])  # utime + stime
    except (OSError, IndexError):
        return None


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Sampler(threading.Thread):
    """Every period: ffleet's fds and RSS, live processes per job id, zombies."""

    def __init__(self, daemon_pid, records, period, zombie_grace):
        super().__init__(daemon=True)
        self.daemon_pid = daemon_pid
        self.records = records
        self.period = period
        self.zombie_grace = zombie_grace
        self.stop_flag = threading.Event()
        self.samples = []          # (t, fds, rss_kib, live children)
        self.duplicates = []       # (t, id, pids)
        self.zombie_seen = {}      # pid -> first time seen as a zombie
        self.stuck_zombies = {}    # pid -> seconds seen
        self.max_per_id = 0
        self.first_seen = {}       # (id, pid, start ticks) -> monotonic time first seen alive
        self.last_seen = {}        # the same -> monotonic time last seen alive

    def ours(self, args):
        return len(args) >= 5 and args[1] == "--id" and self.records in args

    def live_job(self, pid):
        """The job id of a live (not zombie) process of ours, else None."""
        info = read_proc(pid)
        return info[2][2] if info and info[0] != "Z" and self.ours(info[2]) else None

    def scan(self):
        live = defaultdict(list)
        zombies_now = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            info = read_proc(pid)
            if info is None:
                continue
            state, ppid, args, started = info
            if state == "Z":
                if ppid == self.daemon_pid:
                    zombies_now.add(pid)
                continue
            if self.ours(args):
                live[args[2]].append(pid)
                key, now = (args[2], pid, started), time.monotonic()
                self.first_seen.setdefault(key, now)
                self.last_seen[key] = now
        return live, zombies_now

    def overdue(self):
        """[((id, pid, start), seconds alive)] of children that lived longer than OVERDUE_S."""
        return [(k, self.last_seen[k] - t) for k, t in self.first_seen.items() if self.last_seen[k] - t > OVERDUE_S]

    def run(self):
        start = time.monotonic()
        hz = os.sysconf("SC_CLK_TCK")
        prev = (start, cpu_ticks(self.daemon_pid))
        while not self.stop_flag.is_set():
            t = time.monotonic() - start
            fds, rss = fd_count(self.daemon_pid), rss_kib(self.daemon_pid)
            ticks, now = cpu_ticks(self.daemon_pid), time.monotonic()
            cpu = 100.0 * (ticks - prev[1]) / hz / (now - prev[0]) if ticks is not None and prev[1] is not None and now > prev[0] else None
            prev = (now, ticks)
            live, zombies = self.scan()
            for job_id, pids in live.items():
                self.max_per_id = max(self.max_per_id, len(pids))
                if len(pids) > 1:
                    # Check again: a pid read before its exit and the
                    # replacement read after would look like two at once.
                    still = [p for p in pids if self.live_job(p) == job_id]
                    if len(still) > 1:
                        self.duplicates.append((round(t, 1), job_id, still))
            now = time.monotonic()
            for pid in zombies:
                first = self.zombie_seen.setdefault(pid, now)
                if now - first > self.zombie_grace:
                    self.stuck_zombies[pid] = round(now - first, 1)
            self.zombie_seen = {p: s for p, s in self.zombie_seen.items() if p in zombies}
            if fds is not None:
                self.samples.append((round(t, 1), fds, rss, sum(len(p) for p in live.values()), cpu))
            self.stop_flag.wait(self.period)


# ---------------------------------------------------------------- chaos

class Chaos:
    """Random ctl commands and reloads; remembers when it changed a job's order."""

    def __init__(self, args, rng, ffleet_cmd, connect, daemon, job_file, records):
        self.args, self.rng, self.ffleet, self.connect = args, rng, ffleet_cmd, connect
        self.daemon, self.job_file, self.records = daemon, job_file, records
        self.variants = {"chaos-%04d" % i: 0 for i in range(args.jobs)}
        self.present = set(self.variants)
        self.stopped = {}          # id -> when to start it again
        self.order_changes = defaultdict(list)  # id -> [(wall time, "start"|"stop")]
        self.counts = defaultdict(int)
        self.failures = defaultdict(int)
        self.running = []          # (Popen, verb, id, wall time)

    def write(self):
        jobs = [job_entry(i, self.args.helper, self.records, self.variants[i]) for i in sorted(self.present)]
        write_job_file(self.job_file, jobs)

    def ctl(self, verb, job_id=None):
        cmd = [self.ffleet, "ctl", "--connect", self.connect, verb] + ([job_id] if job_id else [])
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.running.append((proc, verb, job_id, time.time()))

    def reap_ctl(self, wait=False):
        still = []
        for proc, verb, job_id, sent in self.running:
            try:
                rc = proc.wait(timeout=60) if wait else proc.poll()
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            if rc is None:
                still.append((proc, verb, job_id, sent))
                continue
            self.counts["ctl " + verb] += 1
            if rc != 0:
                self.failures["ctl " + verb] += 1
            elif verb == "stop":
                self.order_changes[job_id].append((sent, "stop"))
            elif verb in ("start", "restart"):
                self.order_changes[job_id].append((sent, "start"))
        self.running = still

    def random_ctl(self):
        now = time.monotonic()
        for job_id, when in list(self.stopped.items()):
            if when <= now:
                del self.stopped[job_id]
                if job_id in self.present:
                    self.ctl("start", job_id)
        if len(self.running) > 8:  # ctl is slow on a loaded machine: do not pile up
            return
        job_id = self.rng.choice(sorted(self.present))
        verb = self.rng.choice(["stop", "start", "restart", "kill", "kill", "status", "logs", "report"])
        if verb == "stop":
            self.stopped[job_id] = now + self.rng.uniform(5, 15)
        self.ctl(verb, None if verb == "status" and self.rng.random() < 0.5 else job_id)

    def reload(self):
        removed = sorted(set(self.variants) - self.present)
        n = max(1, len(self.variants) // 100)
        drop = self.rng.sample(sorted(self.present), n)
        change = self.rng.sample(sorted(self.present - set(drop)), n)
        sent = time.time()
        for job_id in removed:  # back again
            self.present.add(job_id)
            self.order_changes[job_id].append((sent, "start"))
        for job_id in drop:
            self.present.discard(job_id)
            self.stopped.pop(job_id, None)
            self.order_changes[job_id].append((sent, "stop"))
        for job_id in change:
            self.variants[job_id] += 1
        self.write()
        if self.rng.random() < 0.5:
            self.daemon.send_signal(signal.SIGHUP)
            self.counts["reload SIGHUP"] += 1
        else:
            self.ctl("reload")


# ---------------------------------------------------------------- analysis

def parse_ts(ts):
    """RFC 3339 UTC with microseconds -> seconds since the epoch."""
    import datetime
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def read_events(path):
    """Lists, not maps: one job may get the same pid twice in a long soak."""
    starts = []      # (job, pid, wall time) of each run's first event with a pid
    seen_runs = set()
    exits = []       # (job, pid, wall time)
    kinds = defaultdict(int)
    gave_up = defaultdict(list)
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            kinds[e["event"]] += 1
            # A run is known by its first event with a pid (a child may end
            # before the run is reported running).
            if e["event"] in ("state", "exit") and e.get("pid") is not None:
                run = (e["job"], e["run"], e["pid"])
                if run not in seen_runs:
                    seen_runs.add(run)
                    starts.append((e["job"], e["pid"], parse_ts(e["ts"])))
            if e["event"] == "exit" and e.get("pid") is not None:
                exits.append((e["job"], e["pid"], parse_ts(e["ts"])))
            elif e["event"] == "gave_up":
                gave_up[e["job"]].append(parse_ts(e["ts"]))
    return starts, exits, kinds, gave_up


def read_records(path):
    """[(id, pid)] in start order, and {(id, pid): behaviour}."""
    recs, behaviour = [], {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4 and parts[0] == "start":
                    recs.append((parts[1], int(parts[2])))
                    behaviour[recs[-1]] = parts[3]
    return recs, behaviour


def order_at(changes, t):
    """The job's order at wall time t as the chaos set it ("start" unless changed)."""
    order = "start"
    for when, o in changes:
        if when <= t:
            order = o
    return order


def restart_figures(starts, exits, chaos, gave_up, end_wall, grace):
    by_job = defaultdict(list)
    for job, _pid, t in starts:
        by_job[job].append(t)
    for ts in by_job.values():
        ts.sort()
    expected = done = 0
    missing = []
    window = RECONNECT_DELAY_S + grace
    for job, pid, t in exits:
        if t > end_wall - window:
            continue
        changes = chaos.order_changes.get(job, [])
        # Not expected when the chaos touched the job's order around the exit,
        # or the job gave up.
        if any(abs(when - t) < window for when, _ in changes) or order_at(changes, t) != "start":
            continue
        if any(0 <= t - g < window for g in gave_up.get(job, [])):
            continue
        expected += 1
        if any(t <= s <= t + window for s in by_job[job]):
            done += 1
        else:
            missing.append((job, pid))
    return expected, done, missing


def window_mean(samples, lo, hi, index):
    n = len(samples)
    part = [s[index] for s in samples[int(n * lo):max(int(n * hi), int(n * lo) + 1)] if s[index] is not None]
    return sum(part) / len(part) if part else 0


# ---------------------------------------------------------------- main

def main():
    args = parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    work = args.workdir or tempfile.mkdtemp(prefix="ffleet-soak-")
    os.makedirs(work, exist_ok=True)
    job_file = os.path.join(work, "jobs.yaml")
    records = os.path.join(work, "starts.txt")
    events = os.path.join(work, "events.jsonl")
    log = os.path.join(work, "ffleet.log")
    for f in (records, events):
        if os.path.exists(f):
            os.remove(f)
    args.helper = os.path.abspath(args.helper)

    with socket.socket() as s:  # a free loopback port for the control endpoint
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    connect = "127.0.0.1:%d" % port

    print("soak: %d jobs for %g min, seed %d, in %s" % (args.jobs, args.minutes, seed, work), flush=True)
    chaos = Chaos(args, rng, args.ffleet, connect, None, job_file, records)
    chaos.write()
    logf = open(log, "w")
    daemon = subprocess.Popen([args.ffleet, "run", job_file, "--events", events, "--control", connect],
                              stdout=logf, stderr=logf)
    chaos.daemon = daemon
    sampler = Sampler(daemon.pid, records, args.sample_s, args.zombie_grace_s)
    sampler.start()

    start, start_wall = time.monotonic(), time.time()
    end = start + args.minutes * 60
    next_ctl = start + 5
    next_reload = start + args.reload_every_s
    next_print = start + 60
    died = None
    try:
        while time.monotonic() < end:
            if daemon.poll() is not None:
                died = daemon.returncode
                break
            now = time.monotonic()
            if now >= next_ctl:
                chaos.random_ctl()
                next_ctl = now + args.ctl_every_s
            if now >= next_reload:
                chaos.reload()
                next_reload = now + args.reload_every_s
            if now >= next_print and sampler.samples:
                t, fds, rss, live, cpu = sampler.samples[-1]
                print("soak: %5.0f s  fds %d  rss %.1f MiB  children %d  ffleet cpu %s %%" %
                      (t, fds, (rss or 0) / 1024, live, "-" if cpu is None else "%.0f" % cpu), flush=True)
                next_print = now + 60
            chaos.reap_ctl()
            time.sleep(0.2)
    except BaseException:
        # The soak itself broke (or was interrupted): do not leave the fleet behind.
        daemon.kill()
        daemon.wait()
        raise
    chaos.reap_ctl(wait=True)
    end_wall = time.time()

    # Stop the fleet as an operator would, and give it time: children that
    # ignore SIGINT need their stop_timeout.
    stop_started = time.monotonic()
    if died is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            rc = daemon.wait(timeout=args.shutdown_timeout_s)
        except subprocess.TimeoutExpired:
            # Where it hangs, for whoever fixes it.
            stacks = os.path.join(work, "hang-stacks.txt")
            with open(stacks, "w") as f:
                subprocess.run(["gdb", "-p", str(daemon.pid), "-batch", "-ex", "thread apply all bt"],
                               stdout=f, stderr=subprocess.STDOUT, timeout=120, check=False)
            daemon.kill()
            daemon.wait()
            rc = "hung %d s after SIGTERM, killed (thread stacks in %s)" % (args.shutdown_timeout_s, stacks)
    else:
        rc = "died during the soak with %s" % died
    stop_s = time.monotonic() - stop_started
    sampler.stop_flag.set()
    sampler.join()
    logf.close()

    # Children of a daemon that was killed get SIGKILL from the kernel
    # (PR_SET_PDEATHSIG): give them a moment to go before counting survivors.
    deadline = time.monotonic() + 10
    while True:
        survivors = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                info = read_proc(int(name))
                if info and info[0] != "Z" and sampler.ours(info[2]):
                    survivors.append(int(name))
        if not survivors or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for pid in survivors:  # leave the machine clean
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    # ---- the report
    starts, exits, kinds, gave_up = read_events(events)
    recs, behaviour = read_records(records)
    def with_behaviour(keys):
        return ["%s/%d (%s)" % (j, p, behaviour.get((j, p), "?")) for j, p in keys]
    # Compared as multisets of (job, pid): a pid may come back for one job.
    rec_count = Counter(recs)
    lost = sorted((rec_count - Counter((j, p) for j, p, _ in exits)).elements())
    unseen = sorted((rec_count - Counter((j, p) for j, p, _ in starts)).elements())
    phantom = sorted((Counter((j, p) for j, p, _ in starts) - rec_count).elements())
    expected, done, missing = restart_figures(starts, exits, chaos, gave_up, end_wall, args.restart_grace_s)
    # Growth is judged on the chaos phase only: shutdown empties the fleet.
    samples = [x for x in sampler.samples if x[0] <= end_wall - start_wall]
    fd_early, fd_late = window_mean(samples, 0.2, 0.4, 1), window_mean(samples, 0.8, 1.0, 1)
    rss_early, rss_late = window_mean(samples, 0.2, 0.4, 2) / 1024, window_mean(samples, 0.8, 1.0, 2) / 1024
    fd_bound = fd_early * (1 + args.growth_percent / 100) + args.fd_growth
    rss_bound = rss_early * (1 + args.growth_percent / 100) + args.rss_growth_mib

    with open(os.path.join(work, "samples.csv"), "w") as f:
        f.write("t_s,fds,rss_kib,children,daemon_cpu_percent\n")
        for t, fds, rss, live, cpu in sampler.samples:
            f.write("%s,%s,%s,%s,%s\n" % (t, fds, rss, live, "" if cpu is None else "%.1f" % cpu))

    print()
    print("==== ffleet chaos soak report ====")
    print("jobs %d, %.1f min of chaos, seed %d, work dir %s" % (args.jobs, (end_wall - start_wall) / 60, seed, work))
    print("ffleet exit: %s (%.1f s after SIGTERM)" % (rc, stop_s))
    print("chaos: " + ", ".join("%s %d" % (k, v) for k, v in sorted(chaos.counts.items())) +
          ("; failed: " + ", ".join("%s %d" % (k, v) for k, v in sorted(chaos.failures.items())) if chaos.failures else ""))
    print("events: " + ", ".join("%s %d" % (k, v) for k, v in sorted(kinds.items())))
    print("starts recorded by children: %d (restarts %d); runs in ffleet's events: %d" %
          (len(recs), len(recs) - len({j for j, _ in recs}), len(starts)))
    print("restarts expected (exit while ordered to run) %d, done %d, missing %d%s" %
          (expected, done, len(missing), (" e.g. %s" % missing[:5]) if missing else ""))
    print("runs by behaviour: " + ", ".join("%s %d" % kv for kv in sorted(Counter(behaviour.values()).items())))
    print("lost exits (child started, no exit event): %d%s" % (len(lost), (" e.g. %s" % with_behaviour(lost[:5])) if lost else ""))
    print("starts ffleet did not report: %d; runs no child recorded: %d" % (len(unseen), len(phantom)))
    print("zombies unreaped > %g s: %d%s" % (args.zombie_grace_s, len(sampler.stuck_zombies),
                                             (" %s" % dict(list(sampler.stuck_zombies.items())[:5])) if sampler.stuck_zombies else ""))
    dup_pids = sorted({(j, p) for _, j, pids in sampler.duplicates for p in pids})
    print("duplicates (two live processes of one id, from /proc): %d samples, %d ids%s; most live processes of one id: %d" %
          (len(sampler.duplicates), len({j for _, j, _ in sampler.duplicates}),
           (" e.g. %s" % with_behaviour(dup_pids[:6])) if dup_pids else "", sampler.max_per_id))
    overdue = sorted(sampler.overdue(), key=lambda x: -x[1])
    print("children alive longer than %d s (a stale, limit or stop kill that did not come): %d%s" %
          (OVERDUE_S, len(overdue), (" e.g. %s" % ["%s %.0f s" % (with_behaviour([k[:2]])[0], a) for k, a in overdue[:5]]) if overdue else ""))
    print("children alive after ffleet exited: %d" % len(survivors))
    print("samples: %d during the chaos, every %g s" % (len(samples), args.sample_s))
    print("   t[s]   fds  rss[MiB]  children  ffleet cpu[%]")
    step = max(1, len(samples) // 15)
    for t, fds, rss, live, cpu in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        print("  %5.0f  %4d  %8.1f  %8d  %13s" % (t, fds, (rss or 0) / 1024, live, "-" if cpu is None else "%.1f" % cpu))
    cpus = [x[4] for x in samples if x[4] is not None]
    if cpus:
        print("ffleet cpu: mean %.1f %%, max %.1f %% of one core" % (sum(cpus) / len(cpus), max(cpus)))
    print("fds: early mean %.1f, late mean %.1f, max %d (bound %.1f)" %
          (fd_early, fd_late, max((s[1] for s in samples), default=0), fd_bound))
    print("rss: early mean %.1f MiB, late mean %.1f MiB, max %.1f MiB (bound %.1f MiB)" %
          (rss_early, rss_late, max((s[2] or 0 for s in samples), default=0) / 1024, rss_bound))

    problems = []
    if rc != 0:
        problems.append("ffleet exit %s" % rc)
    if lost:
        problems.append("%d lost exits" % len(lost))
    if sampler.stuck_zombies:
        problems.append("%d zombies" % len(sampler.stuck_zombies))
    if sampler.duplicates:
        problems.append("%d duplicates" % len(sampler.duplicates))
    if survivors:
        problems.append("%d children outlived ffleet" % len(survivors))
    if fd_late > fd_bound:
        problems.append("fds grew %.1f -> %.1f" % (fd_early, fd_late))
    if rss_late > rss_bound:
        problems.append("RSS grew %.1f -> %.1f MiB" % (rss_early, rss_late))
    if len(samples) < 10:
        problems.append("too few samples (%d) to judge growth" % len(samples))
    print("result: " + ("FAIL: " + "; ".join(problems) if problems else "PASS"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
