#!/usr/bin/env python3
"""A minimal QMP client for raminate's tests.

    qmp.py SOCKET COMMAND ['{"arg": ...}']   print the command's return as JSON
    qmp.py SOCKET hmp 'info mtree'           print a human monitor command's output
    qmp.py SOCKET wait                       wait until the socket answers

Exits 1 and prints the QMP error (class and description) when the command fails.
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


def main():
    path, command = sys.argv[1], sys.argv[2]
    s, f = connect(path)
    if command == "wait":
        return 0
    if command == "hmp":
        reply = execute(f, "human-monitor-command",
                        {"command-line": sys.argv[3]})
    else:
        args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
        reply = execute(f, command, args)
    s.close()
    if "error" in reply:
        print("%s: %s" % (reply["error"]["class"], reply["error"]["desc"]))
        return 1
    if command == "hmp":
        sys.stdout.write(reply["return"])
    else:
        print(json.dumps(reply["return"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
