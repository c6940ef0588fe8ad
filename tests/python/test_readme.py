"""README tells the truth: every var, every mart and every script is documented there."""

from __future__ import annotations

import re

import yaml
from conftest import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_every_var_is_listed() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    missing = [name for name in project["vars"] if f"`{name}`" not in README]
    assert not missing, f"vars missing from README: {missing}"


def test_every_mart_is_listed_with_its_grain() -> None:
    marts = sorted(p.stem for p in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))
    assert marts
    missing = [name for name in marts if not re.search(rf"^\| `{re.escape(name)}` \|", README, flags=re.MULTILINE)]
    assert not missing, f"marts missing from README's grain table: {missing}"


def test_every_script_is_listed() -> None:
    scripts = sorted(p.name for p in (PROJECT_DIR / "scripts").glob("*.py"))
    missing = [name for name in scripts if f"scripts/{name}" not in README]
    assert not missing, f"scripts missing from README: {missing}"


def test_the_two_commands_are_there() -> None:
    assert "make demo" in README and "make test" in README
