#!/usr/bin/env python
"""Run the shell commands of a job file (one per line, `#` comments), `--workers` at a time, in file order.

No job starts after `--stop` seconds; jobs still running at `--hard` seconds are killed (their runs stay
unfinished: `readnet study` and `run_grid` skip only runs with a final.json, so a later call redoes them).
Each start and end goes to `--log` with the seconds since the queue started and the exit status.

    python tools/run_queue.py jobs.txt --workers 14 --stop 430 --hard 500 --log queue.log
"""
import argparse, os, signal, subprocess, sys, time
from pathlib import Path

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('jobs', help='file of shell commands, one per line')
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1, help='jobs at a time')
    p.add_argument('--stop', type=float, default=float('inf'), help='start no job after this many seconds')
    p.add_argument('--hard', type=float, default=float('inf'), help='kill running jobs after this many seconds')
    p.add_argument('--log', default='queue.log', help='where starts and ends are written')
    a = p.parse_args(argv)
    lines = [l.strip() for l in Path(a.jobs).read_text().splitlines()]
    todo = [l for l in lines if l and not l.startswith('#')]
    t0, running, done, log = time.monotonic(), {}, 0, open(a.log, 'a', buffering=1)
    say = lambda msg: log.write(f"{time.monotonic() - t0:7.1f}s {msg}\n")
    say(f"{len(todo)} jobs, {a.workers} workers, stop {a.stop}s, hard {a.hard}s")
    while todo or running:
        now = time.monotonic() - t0
        while todo and len(running) < a.workers and now < a.stop:
            cmd = todo.pop(0)
            running[subprocess.Popen(cmd, shell=True, start_new_session=True, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)] = cmd
            say(f"start {cmd}")
        if now >= a.stop and todo: say(f"stop: {len(todo)} jobs not started"); todo = []
        for proc, cmd in list(running.items()):
            if proc.poll() is not None:
                say(f"rc={proc.returncode} {cmd}"); del running[proc]; done += 1
            elif now >= a.hard:
                os.killpg(proc.pid, signal.SIGKILL); proc.wait(); say(f"killed {cmd}"); del running[proc]
        time.sleep(0.5)
    say(f"finished: {done} jobs ended on their own")
    return 0

if __name__ == '__main__': sys.exit(main())
