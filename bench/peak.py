"""Run one command and report its wall time and peak resident memory: `peak.py COMMAND ARG...` prints
"seconds peak_kib" on its last line of standard output.

Why a launcher: Linux carries a process's peak RSS over `exec`, so a command started straight from a
benchmark script that has grown (it read thousands of catalogs to prepare the corpus) reports at least the
script's own size. Started from this small process, a command's figure is its own.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    command = sys.argv[1:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.6f} {usage.ru_maxrss}", flush=True)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    raise SystemExit(main())
