#!/usr/bin/python3
"""tests/unit/sec/test_console_sock.py — a console that cannot hurt the appliance.

Runs the hosted spindle on a loop configuration with two socket consoles and
reproduces what was reported: a client that sends 'show graph dot' 300 times
and never reads stalled the appliance (another session waited seconds for an
answer) and was never dropped; four idle sessions locked the operator out; the
socket's mode followed the umask (0777 under umask 000); whoever connected
could shut the appliance down. Checks:
  - under umask 000 the socket is 0600, and mode=0660,group=G give 0660 and G;
  - while a non-reading client floods, a second session answers at once (each
    answer well under a second) and the flooder is disconnected;
  - idle=1: a silent session is closed with "idle timeout";
  - four idle sessions do not lock out a fifth once they are idle;
  - --console-ro: state-changing commands refused, reads answered;
  - shutdown: exit 0.
Usage: test_console_sock.py PATH/TO/spindle   (exit 1 on failure)
"""
import grp
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time

PROMPT = b"spindle> "
SPINDLE = sys.argv[1]
failures = 0


def check(cond, what, detail=""):
    global failures
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures += 1
        if detail:
            print("    " + str(detail).replace("\n", "\n    "))


def connect(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_prompt(s, pending=b""):
    deadline = time.monotonic() + 10
    while PROMPT not in pending:
        if time.monotonic() > deadline:
            raise TimeoutError(repr(pending[-200:]))
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError(repr(pending[-200:]))
        pending += chunk
    out, _, rest = pending.partition(PROMPT)
    return out.decode(), rest


def ask(s, line):
    s.sendall(line.encode() + b"\n")
    return read_prompt(s)[0]


def wait_for(path, proc):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def eof_within(s, seconds):
    """True when the server closes @s within @seconds (what it sent is read and dropped)."""
    s.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True  # closed with our unread commands still in its buffer
    except socket.timeout:
        return False
    return False


def main():
    tmp = tempfile.mkdtemp(prefix="spindle-sec-console-")
    conf = os.path.join(tmp, "loop.conf")
    with open(conf, "w") as f:
        f.write("interface eth0 driver=loop mac=02:00:00:00:00:02\n"
                "address eth0 10.77.0.2/24\n"
                "extension udp-echo port=7\n" +
                "".join("extension udp-count port=%d\n" % (6000 + i) for i in range(40)))
    rw = os.path.join(tmp, "rw.sock")
    ro = os.path.join(tmp, "ro.sock")
    grp_name = grp.getgrgid(os.getgid()).gr_name
    old = os.umask(0)
    proc = subprocess.Popen([SPINDLE, "--config", conf, "--console",
                             f"unix:{rw},idle=1", "--console-ro",
                             f"unix:{ro},mode=0660,group={grp_name}"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(tmp, "err"), "w"))
    os.umask(old)
    try:
        check(wait_for(rw, proc) and wait_for(ro, proc), "spindle listens on both sockets")
        m = stat.S_IMODE(os.stat(rw).st_mode)
        check(m == 0o600, "the socket is 0600 under umask 000", oct(m))
        st = os.stat(ro)
        check(stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == os.getgid(),
              "mode=0660,group= are applied", f"{oct(st.st_mode)} gid {st.st_gid}")

        # A flooder that never reads (on the socket without an idle timeout),
        # and an operator on the other one.
        flood = connect(ro)
        read_prompt(flood)
        op = connect(rw)
        read_prompt(op)
        flood.setblocking(False)
        sent = 0
        for _ in range(300):
            try:
                flood.send(b"show graph dot\n")
                sent += 1
            except BlockingIOError:
                break
        worst = 0.0
        for _ in range(10):
            t = time.monotonic()
            out = ask(op, "show pools")
            worst = max(worst, time.monotonic() - t)
            check("pool " in out, "the operator's command is answered", out)
            time.sleep(0.2)
        check(worst < 0.5, f"answers are not held up by the flooder (worst {worst:.3f} s, "
              f"{sent} commands sent)")
        time.sleep(6)  # CONSOLE_STALL_MS without reading a byte
        flood.setblocking(True)
        check(eof_within(flood, 8), "the client that does not read is disconnected")
        flood.close()
        op.close()

        op = connect(ro)
        read_prompt(op)
        out = ask(op, "route add 10.9.0.0/16 via 10.77.0.9")
        check("refused: this console is read-only" in out, "read-only: route add refused", out)
        out = ask(op, "shutdown")
        check("refused" in out and proc.poll() is None, "read-only: shutdown refused", out)
        out = ask(op, "show routes")
        check("10.77.0.0/24" in out and "10.9.0.0" not in out, "read-only: reads answered", out)
        op.close()

        # idle=1 on the read-write socket: a silent session is closed.
        s = connect(rw)
        banner, _ = read_prompt(s)
        t = time.monotonic()
        data = b""
        s.settimeout(5)
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        check(b"idle timeout" in data and time.monotonic() - t < 4,
              "an idle session is closed after idle=1", data)
        s.close()

        # Four idle sessions on the read-only socket (no idle timeout there):
        # a fifth client gets in once they have been idle long enough.
        idle = [connect(ro) for _ in range(4)]
        for c in idle:
            read_prompt(c)
        fifth = connect(ro)
        first = fifth.recv(4096)
        check(b"too many sessions" in first, "a fifth client is refused at once", first)
        fifth.close()
        print("# waiting for the sessions to be idle for 10 s (CONSOLE_EVICT_IDLE_S)")
        time.sleep(11)
        fifth = connect(ro)
        out, _ = read_prompt(fifth)
        check("spindle console" in out, "then a fifth client replaces the idlest", out)
        for c in idle + [fifth]:
            c.close()

        s = connect(rw)
        read_prompt(s)
        s.sendall(b"shutdown\n")
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "shutdown stops spindle cleanly", rc)
        check(not os.path.exists(rw) and not os.path.exists(ro), "socket files removed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
