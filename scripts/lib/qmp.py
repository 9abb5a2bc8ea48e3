#!/usr/bin/env python3
"""A minimal QMP client for raminate's tests and scripts.

    qmp.py SOCKET COMMAND ['{"arg": ...}']   print the command's return as JSON
    qmp.py SOCKET hmp 'info mtree'           print a human monitor command's output
    qmp.py SOCKET wait                       wait until the socket answers
    qmp.py SOCKET -                          one connection, many commands:

In the last form each line of standard input is COMMAND, a tab, JSON
arguments (or nothing), a tab and a Python expression of the return value
`r` (or nothing), and each answer one line on standard output: the
expression's value, or the return as JSON, or "error: CLASS: DESCRIPTION"
(QEMU's error, or the Python exception of bad arguments or expression).
Python starts in seconds in a TCG guest: the tests keep one of these per
QEMU (tests/lib/common.sh: qmp_open, qmp).

Exits 1 and prints the QMP error (class and description) when the command
fails, or one line saying so when no QEMU answers on SOCKET.
"""
import json
import socket
import sys
import time


def connect(path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            f = s.makefile("rw")
            json.loads(f.readline())  # greeting
            execute(f, "qmp_capabilities")
            return s, f
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def execute(f, command, arguments=None):
    msg = {"execute": command}
    if arguments:
        msg["arguments"] = arguments
    f.write(json.dumps(msg) + "\n")
    f.flush()
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("QMP connection closed")
        reply = json.loads(line)
        if "event" in reply:
            continue
        return reply


def reply_to(f, command, arguments=None):
    """execute(), with a connection QEMU closed as an error reply."""
    try:
        return execute(f, command, arguments)
    except OSError as e:    # ConnectionError too
        return {"error": {"class": "Disconnected",
                          "desc": "QEMU closed the connection (%s): it has exited; "
                          "see its log" % e}}


def serve(f):
    """Answer the command lines of standard input, one line each."""
    for line in sys.stdin:
        command, args, expr = (line.rstrip("\n").split("\t") + ["", ""])[:3]
        try:
            reply = reply_to(f, command, json.loads(args) if args else None)
            if "error" in reply:
                answer = "error: %s: %s" % (reply["error"]["class"], reply["error"]["desc"])
            elif expr:
                answer = str(eval(expr, {"r": reply["return"]}))
            else:
                answer = json.dumps(reply["return"])
        except Exception as e:  # the caller's arguments or expression, not QEMU
            answer = "error: %s: %s (arguments %r, expression %r)" % (
                type(e).__name__, e, args, expr)
        print(answer.replace("\n", " "), flush=True)
    return 0


def main():
    path, command = sys.argv[1], sys.argv[2]
    try:
        s, f = connect(path)
    except (FileNotFoundError, ConnectionRefusedError) as e:
        print("qmp.py: no QEMU answers on %s (%s): it has exited or never "
              "started; see its log" % (path, e.strerror), file=sys.stderr)
        return 1
    if command == "wait":
        return 0
    if command == "-":
        return serve(f)
    if command == "hmp":
        command, args = "human-monitor-command", {"command-line": sys.argv[3]}
    else:
        args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    reply = reply_to(f, command, args)
    s.close()
    if "error" in reply:
        print("%s: %s" % (reply["error"]["class"], reply["error"]["desc"]))
        return 1
    if command == "human-monitor-command":
        sys.stdout.write(reply["return"])
    else:
        print(json.dumps(reply["return"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
