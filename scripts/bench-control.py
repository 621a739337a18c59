#!/usr/bin/env python3
"""What remote control costs a running show (issue 16), for BENCHMARKS.md.

    scripts/bench-control.py [--size 100x30] [--seconds 10] [-- vitrine args...]

Runs target/release/vitrine in a pseudo-terminal with --http on a free loopback port and its
own control socket, then measures, one after the other:
  1. the show alone: its CPU (from /proc) and the bytes it writes to the terminal per second;
  2. the same with one live-view viewer (a minimal WebSocket client reading every event):
     the show's CPU again and the bytes per second the viewer receives;
  3. command latency: 200 `status` requests on the control socket one at a time (each waits
     for its answer), and 10,000 sent at once (how long until all are answered).
Prints one JSON object. Only the Python standard library is used.
"""
import argparse, base64, fcntl, json, os, pty, socket, struct, subprocess, sys, tempfile
import termios, threading, time

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

class Viewer:
    """A WebSocket client of the live view that counts the payload bytes it receives."""
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v2.asciicast\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.bytes = 0
        self.events = 0
        threading.Thread(target=self.read, daemon=True).start()

    def exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def read(self):
        try:
            while True:
                b0, b1 = self.exact(2)
                length = b1 & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self.exact(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self.exact(8))[0]
                self.exact(length)
                self.bytes += length
                self.events += 1
        except (EOFError, OSError):
            pass

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", default="100x30")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("args", nargs="*", default=["--effect", "glitch", "--seed", "1"])
    a = p.parse_args()
    cols, rows = map(int, a.size.split("x"))
    port = free_port()
    runtime = tempfile.mkdtemp(prefix="vitrine-bench-")
    sock_path = os.path.join(runtime, "ctl.sock")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    env.pop("COLORTERM", None)
    proc = subprocess.Popen(["target/release/vitrine", *a.args, "--http", str(port),
                             "--control-socket", sock_path],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    written = [0]
    def drain():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            written[0] += len(chunk)
    threading.Thread(target=drain, daemon=True).start()
    deadline = time.time() + 30
    while not os.path.exists(sock_path):
        assert time.time() < deadline, "no control socket"
        time.sleep(0.05)
    time.sleep(2)
    out = {"size": a.size, "args": a.args}

    def window():
        c0, w0, t0 = cpu_seconds(proc.pid), written[0], time.time()
        time.sleep(a.seconds)
        t = time.time() - t0
        return (cpu_seconds(proc.pid) - c0) / t * 100, (written[0] - w0) / t, t

    cpu, bps, _ = window()
    out["alone"] = {"cpu_percent": round(cpu, 2), "terminal_bytes_per_s": round(bps)}
    viewer = Viewer(port)
    time.sleep(1)
    b0, e0 = viewer.bytes, viewer.events
    cpu, bps, t = window()
    out["one_viewer"] = {"cpu_percent": round(cpu, 2), "terminal_bytes_per_s": round(bps),
                         "viewer_bytes_per_s": round((viewer.bytes - b0) / t),
                         "viewer_events_per_s": round((viewer.events - e0) / t, 1)}

    client = socket.socket(socket.AF_UNIX)
    client.connect(sock_path)
    reader = client.makefile("rb")
    latencies = []
    for _ in range(200):
        t0 = time.perf_counter()
        client.sendall(b'{"cmd":"status"}\n')
        reader.readline()
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    out["status_latency_ms"] = {"median": round(latencies[100], 2),
                                "p95": round(latencies[190], 2), "max": round(latencies[-1], 2)}
    t0 = time.perf_counter()
    answered = [0, 0]
    def collect():
        for _ in range(10_000):
            line = reader.readline()
            answered[0 if b'"ok":true' in line else 1] += 1
    collector = threading.Thread(target=collect)
    collector.start()
    client.sendall(b'{"cmd":"status"}\n' * 10_000)
    collector.join()
    out["flood_10000"] = {"seconds": round(time.perf_counter() - t0, 3), "done": answered[0],
                          "busy": answered[1]}
    os.killpg(proc.pid, 15)
    proc.wait(timeout=10)
    print(json.dumps(out, indent=1))

if __name__ == "__main__":
    main()
