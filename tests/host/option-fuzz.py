#!/usr/bin/env python3
"""Fuzz the hybrid-memory objects' options and knobs.

    option-fuzz.py SOCKET WORKDIR SEED COUNT
    option-fuzz.py --cmdline QEMU WORKDIR SEED COUNT

Over QMP: QEMU runs with a container 'c' (children 'd' and 'n') whose
engine is swapping.  COUNT times, either object-add a
memory-backend-container or memory-backend-devmem with random options
(values that are valid, at the edges, or wrong in type), or qom-set one of
c's knobs to a random value.  Objects that were created are deleted again,
children first.

On the command line: COUNT QEMUs, each with a container 'c' and one such
random object as -object.

Every request must get an answer (no crash, no hang) and every refusal
must name an option it was given (or the object), so a user knows what to
fix.  Prints one summary line; exits 1 on the first broken rule.
"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "scripts", "lib"))
import qmp  # noqa: E402

M = 1 << 20
SIZES = [0, 1, 4095, 4096, 8192, 2 * M, 16 * M, 16 * M + 4096, 32 * M,
         1 << 40, (1 << 64) - 1, -1, "16M", "abc", True, None]
KNOBS = {
    "raminate": [True, False, 1, "on", None],
    "tracker": ["auto", "tcg", "kvm-dirty-log", "kvm-raminate", "x", 3],
    "placement": ["cmq", "benefit", "lru", "none", "fifo", "", 0],
    "clock": ["realtime", "virtual", "guest", "", 1],
    "scan-interval-ms": [0, 9, 10, 100, 3600000, 3600001, -5, 1 << 33, "1"],
    "swap-interval-ms": [0, 9, 10, 250, 86400000, 86400001, -1, 2.5],
    "max-swaps": [0, 1, 64, 1048576, 1048577, -1, 1 << 32, "many"],
    "cmq-levels": [0, 1, 4, 32, 33, 255, 256, -1],
    "lifetime-ms": [0, 1, 300, 86400000, 86400001, -1],
    "trace-file": ["", "trace", "nodir/trace", "/", None],
    "placement-file": ["", "placement", "nodir/p", "/", 7],
    "size": SIZES, "offset": SIZES,
}


def pick_path(rng, work):
    return rng.choice([os.path.join(work, f) for f in
                       ("a.img", "b.img", "small.img", "missing.img", "dir")]
                      + ["/dev/null", "/proc/self/status", ""])


def random_object(rng, work, ids, n):
    oid = "o%d" % n
    if rng.random() < 0.3:
        args = {"qom-type": "memory-backend-container", "id": oid}
        for key in rng.sample(sorted(KNOBS), rng.randint(0, 5)):
            if key == "offset":
                continue
            args[key] = rng.choice(KNOBS[key])
        if "size" not in args or rng.random() < 0.7:
            args["size"] = rng.choice(SIZES)
    else:
        args = {"qom-type": "memory-backend-devmem", "id": oid,
                # Never /dev/mem (the default path): this is the real host.
                "path": pick_path(rng, work)}
        opts = {"size": SIZES, "offset": SIZES, "phy-offset": SIZES,
                "tier": ["dram", "nvm", "flash", 1],
                "parent": ids + ["nope", "d", ""],
                "allow-any-range": [True, False, "yes"],
                "share": [True, False], "prealloc": [False]}
        for key in rng.sample(sorted(opts), rng.randint(1, len(opts))):
            args[key] = rng.choice(opts[key])
    for key in ("trace-file", "placement-file"):
        if isinstance(args.get(key), str) and args[key] not in ("", "/"):
            args[key] = os.path.join(work, args[key])
    return {k: v for k, v in args.items() if v is not None}


def names_an_option(desc, args):
    """QAPI's own errors name the parameter ("Parameter 'size' ...")."""
    keys = [k for k in args if k != "qom-type"] + [args.get("qom-type", "")]
    return "Parameter '" in desc or any(k and k in desc for k in keys)


def cmdline_value(v):
    return ("on" if v else "off") if isinstance(v, bool) else str(v)


def fuzz_cmdline(qemu, work, seed, count):
    rng = random.Random(seed)
    refused, reasons = 0, set()
    for n in range(count):
        args = random_object(rng, work, ["c"], n)
        opts = ",".join([args["qom-type"]] + ["%s=%s" % (k, cmdline_value(v))
                                              for k, v in args.items() if k != "qom-type"])
        cmd = [qemu, "-accel", "tcg", "-nodefaults", "-display", "none", "-S", "-m", "64M",
               "-object", "memory-backend-container,id=c,size=64M",
               "-object", opts, "-numa", "node,memdev=c"]
        try:
            run = subprocess.run(cmd, input="", capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            print("option-fuzz: -object %s: no answer in 30 s (a hang)" % opts)
            return 1
        if run.returncode == 0:
            continue
        if run.returncode < 0 or run.returncode >= 124:
            print("option-fuzz: -object %s: exit %d (a crash): %s" % (opts, run.returncode, run.stderr))
            return 1
        if not names_an_option(run.stderr, args):
            print("option-fuzz: -object %s refused without naming an option: %s" % (opts, run.stderr))
            return 1
        refused += 1
        reasons.add("".join(c for c in run.stderr.split(": ")[-1] if not c.isdigit()))
    print("option-fuzz: %d generated -object lines: %d refused (%d different messages), "
          "each naming its option, no crash or hang" % (count, refused, len(reasons)))
    return 0


def main():
    if sys.argv[1] == "--cmdline":
        return fuzz_cmdline(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    sock, work, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    s, f = qmp.connect(sock)
    s.settimeout(60)           # a request not answered in 60 s is a hang
    added, refused, knob_set, knob_refused = [], 0, 0, 0
    for n in range(count):
        if n % 50 == 49:
            # Delete what was made, children (made later) first.
            for oid in reversed(added):
                qmp.execute(f, "object-del", {"id": oid})
            added = [o for o in added
                     if "return" in qmp.execute(f, "qom-get", {
                         "path": "/objects/" + o, "property": "type"})]
        if rng.random() < 0.5:
            key = rng.choice(sorted(KNOBS))
            value = rng.choice(KNOBS[key])
            if key in ("trace-file", "placement-file") and value not in ("", "/", None, 7):
                value = os.path.join(work, value)
            cmd, args = "qom-set", {"path": "/objects/c", "property": key,
                                    "value": value}
            if value is None:
                del args["value"]
        else:
            cmd, args = "object-add", random_object(rng, work, ["c"] + added, n)
        reply = qmp.execute(f, cmd, args)
        if "return" in reply:
            if cmd == "object-add":
                added.append(args["id"])
            else:
                knob_set += 1
            continue
        desc = reply["error"]["desc"]
        check = dict(args, **({args["property"]: 1} if cmd == "qom-set" else {}))
        if not names_an_option(desc, check):
            print("option-fuzz: %s %s: refused without naming an option: %s"
                  % (cmd, json.dumps(args), desc))
            return 1
        if cmd == "qom-set":
            knob_refused += 1
        else:
            refused += 1
    for oid in reversed(added):
        qmp.execute(f, "object-del", {"id": oid})
    status = qmp.execute(f, "query-status")
    if "return" not in status:
        print("option-fuzz: QEMU stopped answering: %s" % status)
        return 1
    print("option-fuzz: %d requests: %d objects refused, %d knob values set, "
          "%d refused, each naming its option" % (count, refused, knob_set, knob_refused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
