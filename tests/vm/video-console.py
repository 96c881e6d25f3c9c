#!/usr/bin/env python3
"""tests/vm/video-console.py SOCKET COMMAND... — type console commands.

Connects to a spindle console on the UNIX stream socket SOCKET: the hosted
program's --console unix:PATH, or a VM's serial port as QEMU serves it
(tools/vm/spindle-vm --serial: -chardev socket). Sends an empty line, waits
for the prompt, then types each COMMAND and prints, for each,
"=== COMMAND" and everything the console wrote before its next prompt.
Bounded: 10 s per prompt. Exit 0, or 1 when a prompt never came.
"""
import socket
import sys
import time

PROMPT = b"spindle> "


def until_prompt(s, pending):
    """Output up to the next prompt, and what follows it."""
    deadline = time.monotonic() + 10
    while PROMPT not in pending:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(pending.decode(errors="replace"))
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            raise TimeoutError("connection closed: " + pending.decode(errors="replace"))
        pending += chunk
    i = pending.index(PROMPT)
    return pending[:i], pending[i + len(PROMPT):]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    try:
        s.sendall(b"\n")
        _, pending = until_prompt(s, b"")
        time.sleep(0.2)  # a banner's prompt and the empty line's: take both
        s.settimeout(0.2)
        try:
            pending += s.recv(65536)
        except socket.timeout:
            pass
        pending = pending.split(PROMPT)[-1]
        for cmd in sys.argv[2:]:
            s.sendall(cmd.encode() + b"\n")
            out, pending = until_prompt(s, pending)
            text = out.decode(errors="replace").replace("\r", "")
            lines = [l for l in text.split("\n") if l.strip() != cmd.strip()]
            print("=== " + cmd)
            print("\n".join(lines).strip("\n"))
    except TimeoutError as e:
        print(f"video-console: no prompt: {e}", file=sys.stderr)
        return 1
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
