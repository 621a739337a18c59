#!/usr/bin/env python3
"""How long a --sync screen takes to join a show 30 minutes into an item (issue 18).

    PTYBENCH=/path/to/ptybench.py scripts/bench-join.py 100x30 glitch:glitch water:ripple ...

For each EFFECT:STYLE it writes a config whose playlist cycle (anchored at the Unix epoch, see
src/sync.rs) puts that effect 30 minutes into its 1 h item a few seconds from now, after a
defrag item of a length chosen for that, runs target/release/vitrine on it in a pty for 8 s
through ptybench.py, and prints the line vitrine logs once it is in step ("replayed N ticks in
F frames, T s") and the CPU of the run.
"""
import json, os, subprocess, sys, tempfile, time

PTYBENCH = os.environ.get("PTYBENCH", "/work/shared/ptybench.py")

def cycle_for(start):
    """A cycle length (filler + 1 h) that divides start + 30 min, so the second item is
    30 min in at `start`; None when no divisor is near enough."""
    target = start + 1800
    for length in range(3600 + 600, 200_000):
        if target % length == 0:
            return length
    return None

def main():
    size = sys.argv[1]
    work = tempfile.mkdtemp(prefix="vitrine-join-")
    for spec in sys.argv[2:]:
        effect, style = spec.split(":")
        now = int(time.time())
        lead, length = next((lead, cycle_for(now + lead)) for lead in range(3, 600)
                            if cycle_for(now + lead))
        config = os.path.join(work, f"{effect}-{style}.toml")
        with open(config, "w") as f:
            f.write(f'sync = true\nseed = 1\n[[item]]\neffect = "defrag"\n'
                    f'duration = "{length - 3600}s"\n[[item]]\neffect = "{effect}"\n'
                    f'style = "{style}"\nduration = "1h"\n')
        log = os.path.join(work, f"{effect}-{style}.log")
        while time.time() < now + lead - 0.5:
            time.sleep(0.05)
        run = subprocess.run(["python3", PTYBENCH, "--size", size, "--seconds", "8", "--",
                              "target/release/vitrine", "--config", config,
                              "--control-socket", "none", "--log-file", log],
                             capture_output=True, text=True, check=True)
        cpu = json.loads(run.stdout)["cpu_s"]
        with open(log) as f:
            joined = [line.split(": ", 1)[-1].strip() for line in f if "in step" in line]
        print(f"{effect} {style} {size} | {joined[-1] if joined else 'never in step'} | "
              f"cpu {cpu} s over 8 s")

if __name__ == "__main__":
    main()
