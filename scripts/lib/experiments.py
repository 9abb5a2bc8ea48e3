"""What the experiment scripts (scripts/fig*, scripts/table1-pause) share.

Runs of scripts/raminate-run are cached under build/results-runs by their
settings, so the figures drawn from one set of runs (written bytes, swaps,
performance, energy) run it once; the machine's description; and CSV,
markdown and PNG output into docs/results/ (or --results DIR).
"""
import argparse
import csv
import hashlib
import json
import os
import platform
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(TOP, "scripts", "raminate-run")
MIB = 1 << 20

# The real workloads (scripts/workloads/) and the paper's nearest one.
WORKLOADS = ["compile", "kv", "graph", "web", "compress"]
PAPER_NAME = {"compile": "kernel compile", "kv": "Memcached + memtier",
              "graph": "Graph500", "web": "Apache + siege", "compress": None}


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--results", default=os.path.join(TOP, "docs", "results"),
                   help="where CSV, PNG and markdown go (default docs/results)")
    p.add_argument("--runs", default=os.path.join(TOP, "build", "results-runs"),
                   help="cache of runs (default build/results-runs)")
    p.add_argument("--jobs", type=int, default=2,
                   help="runs at a time (default 2; each takes a core)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="workload size factor (default 1)")
    p.add_argument("--mem", default="1G", help="guest RAM (default 1G)")
    p.add_argument("--fresh", action="store_true",
                   help="run again even when a cached run exists")
    p.add_argument("--clock", choices=["realtime", "virtual"],
                   help="the engine's clock (raminate-run --clock; default: the "
                   "container's, realtime)")
    p.add_argument("--icount", action="store_true",
                   help="guest time counts instructions (raminate-run --icount)")
    return p


def time_base(args):
    """The raminate-run options of --clock and --icount, as a spec's extra
    (so that they name the cached runs only when given)."""
    extra = {}
    if args.clock:
        extra["clock"] = args.clock
    if args.icount:
        extra["icount"] = True
    return extra


def matrix_parser(description):
    """Options of the figures drawn from the workload x DRAM share x
    placement (off, CMQ) runs."""
    p = parser(description)
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help="comma-separated (default: %s)" % ",".join(WORKLOADS))
    p.add_argument("--ratios", default="0.01,0.1", help="DRAM shares (default 0.01,0.1)")
    return p


def matrix(args):
    """Each workload at each DRAM share with placement off and CMQ: the runs
    as {(workload, ratio, placement): summary}."""
    args.workloads = args.workloads.split(",")
    args.ratios = [float(x) for x in args.ratios.split(",")]
    specs = [{"workload": w, "ratio": ratio, "placement": p, "mem": args.mem,
              "scale": args.scale, "extra": time_base(args)}
             for w in args.workloads for ratio in args.ratios for p in ("off", "cmq")]
    runs = run_all(args, specs)
    return {(s["workload"], s["ratio"], s["placement"]): r for r, s in zip(runs, specs)}


def key(spec):
    """A run's directory name: every setting that changes its result."""
    def slug(text, prefix=""):     # a file name for a command or a pattern
        text = str(text)
        return text if text.replace("-", "").replace(".", "").isalnum() else \
            prefix + hashlib.sha256(text.encode()).hexdigest()[:12]
    extra = "".join("-%s%s" % (k, slug(v)) for k, v in sorted(spec.get("extra", {}).items()))
    return "%s-%s-mem%s-dram%g-x%g%s" % (slug(spec["workload"], "cmd-"), spec["placement"],
                                         spec["mem"], spec["ratio"], spec["scale"], extra)


def run_all(args, specs):
    """Run (or take from the cache) each spec; return their summaries."""
    results = [None] * len(specs)
    todo = []
    for i, spec in enumerate(specs):
        d = os.path.join(args.runs, key(spec))
        summary = os.path.join(d, "summary.json")
        if not args.fresh and os.path.exists(summary):
            with open(summary) as fh:
                results[i] = json.load(fh)
            results[i]["dir"] = d
        # A run from before raminate-run and raminate-sim counted the
        # swaps' own writes is done again: every figure counts them.
        if results[i] is None or "nvm_net_write_bytes" not in results[i] or \
                any("nvm_net_writes" not in s for s in results[i]["sim"]):
            results[i] = None
            todo.append((i, spec, d))
    if todo:
        print("experiments: %d of %d runs to do, %d at a time (cache: %s)"
              % (len(todo), len(specs), args.jobs, args.runs), flush=True)
    lock = threading.Lock()
    failures = []
    started = time.monotonic()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i, spec, d = todo.pop(0)
            t = time.monotonic()
            cmd = [RUN, "--workload", spec["workload"], "-o", d,
                   "--mem", spec["mem"], "--dram-ratio", str(spec["ratio"]),
                   "--placement", spec["placement"], "--scale", str(spec["scale"])]
            for k, v in spec.get("extra", {}).items():
                cmd += ["--" + k] if v is True else ["--" + k, str(v)]
            # Its progress and errors go to stderr as they come.
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL)
            with lock:
                if p.returncode != 0 or not os.path.exists(os.path.join(d, "summary.json")):
                    failures.append("%s (exit %d; see above and %s)" % (key(spec), p.returncode, d))
                    print("experiments: FAILED %s" % key(spec), flush=True)
                    continue
                with open(os.path.join(d, "summary.json")) as fh:
                    results[i] = json.load(fh)
                results[i]["dir"] = d
                r = results[i]
                print("experiments: [%d s] %s: %.0f s in the guest (%.0f s), NVM %.1f MiB "
                      "(%.1f net), DRAM %.1f MiB (%.1f net), %d swaps" % (
                          time.monotonic() - started, key(spec), r["seconds"],
                          time.monotonic() - t, r["nvm_write_bytes"] / MIB,
                          r["nvm_net_write_bytes"] / MIB, r["dram_write_bytes"] / MIB,
                          r["dram_net_write_bytes"] / MIB, r["swaps"]), flush=True)

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit("experiments: %d runs failed:\n%s" % (len(failures), "\n".join(failures)))
    return results


def machine():
    """One line saying where the numbers come from."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    qemu = subprocess.run([os.path.join(TOP, "build", "qemu-system-x86_64"), "--version"],
                          capture_output=True, text=True).stdout.split("\n")[0]
    return "%s, %d cores, Linux %s; %s under TCG with the raminate-writes plugin; %s" % (
        cpu, os.cpu_count(), platform.release(), qemu, time.strftime("%Y-%m-%d"))


def settings(r):
    clock = "%s clock%s" % (r.get("clock", "realtime"),
                            ", -icount shift=0" if r.get("icount") else "")
    return ("guest %d MiB (1 vCPU, TCG, %s memory layout), scan %d ms, swap %d ms (%s), "
            "at most %d swaps per batch, CMQ life time %d ms, LLC model %d MiB, workload "
            "scale %g" % (
                r["mem_bytes"] // MIB, r.get("layout", "fresh"), r["scan_ms"], r["swap_ms"],
                clock, r["max_swaps"], r["lifetime_ms"], r["llc_bytes"] // MIB, r["scale"]))


def write_csv(path, fields, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as fh:
        # Unix line ends: the shell tools reading these see "\r" otherwise.
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(fields)
        for row in rows:
            w.writerow([row[f] for f in fields])


def write_md(path, title, lines):
    """A markdown summary, saying which command made it and where."""
    cmd = " ".join(os.path.relpath(a, TOP) if a.startswith(TOP) else a for a in sys.argv)
    with open(path, "w") as fh:
        fh.write("# %s\n\nMade by `%s` on %s.\n\n" % (title, cmd, machine()))
        fh.write("\n".join(lines) + "\n")
    print("experiments: wrote %s" % os.path.relpath(path, os.getcwd()))


def pyplot():
    # The scripts run Debian's /usr/bin/python3, where python3-matplotlib
    # (make deps) puts matplotlib, whatever python3 comes first in PATH.
    try:
        import matplotlib
    except ImportError:
        sys.exit("experiments: matplotlib is missing: run 'make deps' (python3-matplotlib) "
                 "and run the script with /usr/bin/python3")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def grouped_bars(ax, names, groups, ylabel, title=None):
    """A bar per (label, values[, color]) of @groups beside each other at
    each of @names."""
    width = 0.8 / len(groups)
    for k, group in enumerate(groups):
        label, values = group[0], group[1]
        ax.bar([x + (k - (len(groups) - 1) / 2) * width for x in range(len(names))],
               values, width, label=label, color=group[2] if len(group) > 2 else None)
    ax.set_xticks(list(range(len(names))))
    ax.set_xticklabels(names, fontsize=8 if len(names) > 4 else None)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
