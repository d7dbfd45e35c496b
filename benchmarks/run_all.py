"""Runs every benchmark in turn (`make bench`); each prints its figures and its own command."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["bench_judge.py"],
    ["bench_ingest.py", "--mentions", "10000"],
    ["bench_daemon_memory.py", "--seconds", "60"],
    ["bench_sources.py"],
]

failed = 0
for run in RUNS:
    print(f"\n=== {' '.join(run)}", flush=True)
    failed |= subprocess.call([sys.executable, str(HERE / run[0]), *run[1:]])
sys.exit(failed)
