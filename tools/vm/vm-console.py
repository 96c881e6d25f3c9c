#!/usr/bin/python3
"""Type lines on a spindle VM's console and print what it answers.

  vm-console.py LAUNCHER_OUTPUT|SOCKET LINE...

The launchers (tools/vm/spindle-vm, spindle-vm-alpha) started with --serial
put the console on a UNIX socket of their run directory and name it in
their "starting qemu at ...: ... path=SOCKET,..." line; give either that
output file or the socket. Each LINE is sent (ending in CR, as a terminal
does) and its answer, up to the next "spindle> " prompt or 10 s, is
printed. Exit 0, or 1 when the socket is missing or a line got no prompt.
"""

import os
import re
import socket
import sys
import time

PROMPT = b"spindle> "


def socket_path(arg):
    if not os.path.isfile(arg):
        return arg
    with open(arg, errors="replace") as f:
        m = re.search(r"path=([^,\s]*serial\.sock)", f.read())
    return m.group(1) if m else None


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = socket_path(sys.argv[1])
    if path is None or not os.path.exists(path):
        print("vm-console: no console socket in %s" % sys.argv[1], file=sys.stderr)
        return 1
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(0.5)
    status = 0
    for line in sys.argv[2:]:
        s.sendall(line.encode() + b"\r")
        buf, end = b"", time.monotonic() + 10
        while time.monotonic() < end:
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                break
            buf += chunk
            # the echo of the line, its output, then the prompt
            if buf.rstrip(b" ").endswith(PROMPT.rstrip()) and len(buf) > len(line):
                break
        else:
            status = 1
        out = buf.decode(errors="replace").replace("\r", "")
        if out.endswith(PROMPT.decode()):
            out = out[:-len(PROMPT)]
        sys.stdout.write(out)
    s.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
