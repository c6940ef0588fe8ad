"""Run `make` stages, some of them side by side, and print how long each took.

    python3 scripts/ci/stages.py venv system-deps --lane "lint pytest" --lane "test-mysql ..."

The positional stages run first, one after another, with their output streamed. Then the
lanes run side by side: the stages of one lane one after another, each lane beside the
others. Most of a stage's time is one busy core (dbt's Python, pytest, a Spark driver), so
on a 2-core machine two lanes take the time of the longer lane plus what they slow each
other down, not the sum of both.

A stage in a lane writes into its own log (logs/stages/<stage>.log), printed whole when the
stage ends, so the output of two stages never interleaves; a line every few minutes says
what is still running. At the first failure no stage starts any more; stages already
running finish, then the timing table is printed and the exit code is 1.

Which stages must share a lane: the stages that run dbt in the project directory itself
(lint's templater, dbt-fixture, pytest) write its target/ and must stay in one lane. The
engine stages use target/ci-<target> and the Airflow stage's cosmos tasks run dbt in
temporary copies of the project; cosmos copies target/partial_parse.msgpack into them, and
a copy taken while lane A writes it makes dbt parse in full ("Failed to load parsed file
... incomplete input"), no worse. (A DBT_TARGET_PATH per stage is no way out: dbt then
reuses one partial-parse file across those copies and looks for seeds in a copy that is
gone.)

Standard library only: it runs before the virtualenv exists (the `venv` stage makes it).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
STAGE_LOG_DIR = Path("logs") / "stages"  # under the directory make runs in
HEARTBEAT_SECONDS = 180.0


@dataclass
class Outcome:
    stage: str
    lane: str
    state: str  # ok, FAILED
    seconds: float


class Runner:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.outcomes: list[Outcome] = []
        self.failed = threading.Event()
        self.print_lock = threading.Lock()
        self.running: dict[str, float] = {}
        self.children: set[subprocess.Popen[bytes]] = set()
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        with self.print_lock:
            print(text, flush=True)

    def run_stage(self, stage: str, lane: str, *, stream: bool) -> bool:
        command = ["make", "--no-print-directory", stage]
        log_path = self.directory / STAGE_LOG_DIR / f"{stage}.log"
        if stream:
            self.say(f"\n==================== stage: {stage} ====================")
        t0 = time.monotonic()
        self.running[stage] = t0
        # A streamed stage writes to this terminal; a lane's stage to its own log.
        with open(os.devnull if stream else log_path, "wb") as log:
            # Its own process group, so an interrupt of this runner stops the whole stage.
            child = subprocess.Popen(
                command,
                cwd=self.directory,
                stdout=None if stream else log,
                stderr=None if stream else subprocess.STDOUT,
                start_new_session=True,
            )
            self.children.add(child)
            returncode = child.wait()
            self.children.discard(child)
        seconds = time.monotonic() - t0
        del self.running[stage]
        state = "ok" if returncode == 0 else "FAILED"
        self.outcomes.append(Outcome(stage, lane, state, seconds))
        footer = f"==================== {stage}: {state} in {seconds:.0f} s ===================="
        if stream:
            self.say(footer)
        else:
            body = log_path.read_text(encoding="utf-8", errors="replace")
            self.say(
                f"\n==================== stage: {stage} (lane {lane}; log {log_path.relative_to(self.directory)}) ====================\n{body.rstrip()}\n{footer}"
            )
        if returncode != 0:
            self.failed.set()
        return returncode == 0

    def run_lane(self, name: str, stages: list[str]) -> None:
        for stage in stages:
            if self.failed.is_set():
                self.say(f"lane {name}: not starting {stage} (an earlier stage failed)")
                return
            if not self.run_stage(stage, name, stream=False):
                return

    def heartbeat(self, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            now = time.monotonic()
            busy = ", ".join(f"{stage} ({(now - t0) / 60:.0f} min)" for stage, t0 in list(self.running.items()))
            self.say(f"... {(now - self.started) / 60:.0f} min in; running: {busy or 'nothing'}")

    def stop_children(self, signum: int, _frame: object) -> None:
        for child in list(self.children):
            try:
                os.killpg(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        raise SystemExit(128 + signum)

    def table(self) -> str:
        lines = ["", "Stage timings (stages in a lane ran beside the other lanes, so each is slower than alone)"]
        for outcome in self.outcomes:
            lines.append(f"  {outcome.stage:<22} {outcome.lane:<8} {outcome.state:<7} {outcome.seconds:6.0f} s")
        total_state = "FAILED" if self.failed.is_set() else "ok"
        lines.append(f"  {'total':<22} {'':<8} {total_state:<7} {time.monotonic() - self.started:6.0f} s")
        return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stages", nargs="*", help="make targets run first, one after another")
    parser.add_argument("--lane", action="append", default=[], help="space-separated make targets run in order, beside the other lanes")
    parser.add_argument("--directory", type=Path, default=PROJECT_DIR, help="where make runs (default: the project)")
    args = parser.parse_args()
    lanes = [lane.split() for lane in args.lane]
    if not args.stages and not any(lanes):
        parser.error("no stages given")
    names = [*args.stages, *(stage for lane in lanes for stage in lane)]
    if len(set(names)) != len(names):
        parser.error(f"a stage is named twice: {' '.join(names)}")

    directory = args.directory.resolve()
    (directory / STAGE_LOG_DIR).mkdir(parents=True, exist_ok=True)
    runner = Runner(directory)
    signal.signal(signal.SIGTERM, runner.stop_children)
    signal.signal(signal.SIGINT, runner.stop_children)

    for stage in args.stages:
        if not runner.run_stage(stage, "-", stream=True):
            break
    if not runner.failed.is_set() and lanes:
        lane_names = [chr(ord("A") + i) for i in range(len(lanes))]
        runner.say("\n" + "\n".join(f"lane {name}: {' -> '.join(stages)}" for name, stages in zip(lane_names, lanes, strict=True)))
        done = threading.Event()
        beat = threading.Thread(target=runner.heartbeat, args=(done,), daemon=True)
        beat.start()
        threads = [threading.Thread(target=runner.run_lane, args=(name, stages)) for name, stages in zip(lane_names, lanes, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
    runner.say(runner.table())
    return 1 if runner.failed.is_set() else 0


if __name__ == "__main__":
    sys.exit(main())
