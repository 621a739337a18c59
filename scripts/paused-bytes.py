#!/usr/bin/env python3
"""Bytes a paused vitrine writes: runs it in a pty, presses space after a warm-up, waits for the
pause to land, then counts what is written over the next SECONDS.

    scripts/paused-bytes.py [--size 200x60] [--seconds 10] -- target/release/vitrine --effect water
"""
import argparse, fcntl, json, os, pty, select, signal, struct, termios, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="200x60")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    cols, rows = map(int, a.size.split("x"))
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execvpe(cmd[0], cmd, dict(os.environ, TERM="xterm-256color"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def read_for(seconds):
        n, end = 0, time.time() + seconds
        while time.time() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    n += len(os.read(fd, 65536))
                except OSError:
                    break
        return n

    running = read_for(2.0)
    os.write(fd, b" ")
    landing = read_for(0.5)
    paused = read_for(a.seconds)
    os.kill(pid, signal.SIGTERM)
    read_for(0.5)
    os.waitpid(pid, 0)
    print(json.dumps(dict(running_bytes_per_s=round(running / 2.0), pause_redraw_bytes=landing,
                          paused_bytes=paused, paused_seconds=a.seconds)))


main()
