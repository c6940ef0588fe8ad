"""scripts/ci/stages.py, the runner of `make test`: lanes side by side, whole logs, a stop
at the first failure, the timing table. Run on a scratch Makefile whose targets leave
marks in files and wait for each other's marks; only `slow-b` sleeps (3 s, so that the
failure beside it is recorded before it ends)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_DIR

STAGES = PROJECT_DIR / "scripts" / "ci" / "stages.py"

# `waits-for-b` succeeds only if `b-started` appears while it waits: the lanes overlap.
MAKEFILE = """\
serial:
\t@echo serial-out; touch serial.done
waits-for-b:
\t@test -f serial.done
\t@for i in $$(seq 200); do [ -f b.started ] && echo saw-b && exit 0; sleep 0.05; done; exit 1
b:
\t@touch b.started; echo b-line-1; sleep 0.3; echo b-line-2
after-b:
\t@touch after-b.ran; echo after-b-out
fails:
\t@echo about-to-fail; for i in $$(seq 200); do [ -f b.started ] && exit 1; sleep 0.05; done; exit 1
slow-b:
\t@touch b.started; sleep 3
never:
\t@touch never.ran
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    return subprocess.run([sys.executable, str(STAGES), "--directory", str(tmp_path), *args], capture_output=True, text=True, timeout=120)


def test_lanes_run_side_by_side_after_the_serial_stages(tmp_path: Path) -> None:
    done = _run(tmp_path, "serial", "--lane", "waits-for-b", "--lane", "b after-b")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    # A lane's stage is printed whole, between its own header and footer.
    b_block = out[out.index("stage: b (lane B") : out.index("==== b: ok in")]
    assert "b-line-1\nb-line-2" in b_block
    assert "saw-b" in out and (tmp_path / "after-b.ran").exists()
    assert (tmp_path / "logs" / "stages" / "b.log").read_text(encoding="utf-8") == "b-line-1\nb-line-2\n"
    table = out[out.index("Stage timings") :].splitlines()
    rows = [line.split()[:3] for line in table[1:-1]]
    assert rows[0] == ["serial", "-", "ok"]
    assert sorted(rows[1:]) == [["after-b", "B", "ok"], ["b", "B", "ok"], ["waits-for-b", "A", "ok"]]
    assert table[-1].split()[:2] == ["total", "ok"]


def test_a_failure_starts_no_further_stage_and_exits_1(tmp_path: Path) -> None:
    done = _run(tmp_path, "--lane", "fails never", "--lane", "slow-b after-b")
    assert done.returncode == 1, done.stdout + done.stderr
    assert not (tmp_path / "never.ran").exists()
    assert not (tmp_path / "after-b.ran").exists(), "lane B started a stage after lane A failed"
    assert "about-to-fail" in done.stdout
    rows = {line.split()[0]: line.split()[2] for line in done.stdout[done.stdout.index("Stage timings") :].splitlines()[1:-1]}
    assert rows == {"fails": "FAILED", "slow-b": "ok"}
    assert done.stdout.rstrip().splitlines()[-1].split()[:2] == ["total", "FAILED"]


def test_a_failed_serial_stage_starts_no_lane(tmp_path: Path) -> None:
    done = _run(tmp_path, "fails", "--lane", "never")
    assert done.returncode == 1
    assert not (tmp_path / "never.ran").exists()


def test_a_stage_named_twice_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(tmp_path, "b", "--lane", "b")
    assert done.returncode == 2 and "named twice" in done.stderr
