"""What a fresh clone has before any script ran: README's "put the virtualenv on your PATH
… dbt seed && dbt build" and `make docs` use the default database under warehouse/,
whose folder dbt-duckdb does not create (git ignored the folder with its .gitkeep, so a
clone had no warehouse/ and dbt stopped with a traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_DIR


def test_dbt_runs_on_the_default_database_of_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(PROJECT_DIR), str(clone)], check=True, timeout=120)
    assert (clone / "warehouse").is_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATBOT_", "DBT_"))}
    env.update(DBT_PROFILES_DIR=str(clone / "profiles"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "seed", "--target", "duckdb", "--select", "alert_thresholds"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert (clone / "warehouse" / "chatbot.duckdb").is_file()
