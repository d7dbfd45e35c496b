"""Resident memory of the daemon: `replywatch demo` (model loaded, desk served, all 76 demo
mentions judged and drafted on the first poll) sampled from /proc for a while.

    .venv/bin/python benchmarks/bench_daemon_memory.py --seconds 60

Prints the peak (VmHWM) and the last resident size (VmRSS) of the daemon process.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def status(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=60)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [str(REPO / ".venv/bin/replywatch"), "demo", "--db-file", f"{tmp}/demo.db", "--release-seconds", "30",
             "--port", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        samples = []
        try:
            end = time.monotonic() + args.seconds
            while time.monotonic() < end and proc.poll() is None:
                samples.append(status(proc.pid))
                time.sleep(0.5)
            last = status(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    print(f"command: .venv/bin/python benchmarks/bench_daemon_memory.py --seconds {args.seconds:.0f}")
    print(f"daemon (replywatch demo, desk served, 76 mentions over 30 s): peak RSS {last['VmHWM']} MB, "
          f"RSS at the end {last['VmRSS']} MB, {len(samples)} samples")
    sys.exit(0 if proc.returncode == 0 else 1)


if __name__ == "__main__":
    main()
