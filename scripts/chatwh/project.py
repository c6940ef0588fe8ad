"""Where the project lives and what dbt knows about it: vars and profiles.

The loaders, reports and checks read the same `dbt_project.yml` vars and the same
`profiles.yml` targets as dbt, so a script and a model never disagree about the
reporting day or which warehouse a target name means.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROFILE_NAME = "chatbot_analytics"


class ProfileError(RuntimeError):
    """profiles.yml is missing, or lacks the target that was asked for."""


@lru_cache(maxsize=1)
def project_vars() -> dict[str, Any]:
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle).get("vars") or {})


def var(name: str) -> Any:
    values = project_vars()
    if name not in values:
        raise KeyError(f"dbt var {name!r} is not declared in dbt_project.yml")
    return values[name]


def reporting_offset_hours() -> float:
    return float(var("reporting_utc_offset_hours"))


def raw_schema() -> str:
    return str(var("raw_schema"))


def copy_dbt_project(dest: Path) -> Path:
    """A copy of the dbt project (its files, profiles and tests) in the new folder `dest`,
    to add or edit models without touching the project: the tests and the CI checks that
    need a probe model use it."""
    dest.mkdir(parents=True)
    for name in ("dbt_project.yml", "macros", "models", "seeds", "analyses", "tests", "profiles"):
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.exists():
            shutil.copy(source, dest / name)
    return dest


def profiles_dir() -> Path:
    """The directory dbt would read profiles.yml from (DBT_PROFILES_DIR, cwd, ~/.dbt),
    falling back to the demo profile shipped in profiles/ when none of those has one."""
    env_dir = os.environ.get("DBT_PROFILES_DIR")
    if env_dir:
        return Path(env_dir).expanduser().resolve()
    for candidate in (Path.cwd(), Path.home() / ".dbt"):
        if (candidate / "profiles.yml").exists():
            return candidate
    return PROJECT_DIR / "profiles"


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is not None:
        return default
    raise ProfileError(f"environment variable {name} is required by profiles.yml but is not set")


def _render(value: Any, env: jinja2.Environment) -> Any:
    if isinstance(value, str) and "{{" in value:
        # Rendered values stay text, as dbt's are until an adapter casts them.
        return env.from_string(value).render()
    if isinstance(value, dict):
        return {key: _render(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, env) for item in value]
    return value


@dataclass(frozen=True)
class Target:
    name: str
    type: str
    settings: dict[str, Any]


def load_target(name: str | None = None) -> Target:
    """Resolve a target of the project's profile, rendering env_var() like dbt does."""
    path = profiles_dir() / "profiles.yml"
    if not path.exists():
        raise ProfileError(f"no profiles.yml in {path.parent} (set DBT_PROFILES_DIR or copy profiles.example.yml)")
    profiles = _read_profiles(path)
    if PROFILE_NAME not in profiles:
        raise ProfileError(f"{path} has no profile named {PROFILE_NAME!r}")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    profile = profiles[PROFILE_NAME]
    if not isinstance(profile, dict):
        raise ProfileError(f"{path}: profile {PROFILE_NAME!r} is not a mapping (target:, outputs:)")
    target_name = name or os.environ.get("DBT_TARGET") or str(_rendered(profile.get("target", "dev"), env, path))
    outputs = profile.get("outputs") or {}
    if not isinstance(outputs, dict):
        raise ProfileError(f"{path}: outputs of profile {PROFILE_NAME!r} is not a mapping of target names")
    if target_name not in outputs:
        raise ProfileError(f"target {target_name!r} is not in {path} (known: {', '.join(sorted(map(str, outputs)))})")
    settings = _rendered(outputs[target_name], env, path)
    if not isinstance(settings, dict):
        raise ProfileError(f"{path}: target {target_name!r} is not a mapping of settings")
    if not settings.get("type"):
        raise ProfileError(f"{path}: target {target_name!r} has no type (duckdb, postgres, ...)")
    return Target(name=target_name, type=str(settings["type"]), settings=settings)


def _read_profiles(path: Path) -> dict[Any, Any]:
    """profiles.yml as a mapping; a file YAML cannot read is a ProfileError naming its line."""
    try:
        with open(path, encoding="utf-8") as handle:
            profiles = yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileError(f"{path}{where}: not valid YAML: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from None
    if not isinstance(profiles, dict):
        raise ProfileError(f"{path} is not a mapping of profiles (profile name: target:, outputs:)")
    return profiles


def _rendered(value: Any, env: jinja2.Environment, path: Path) -> Any:
    """`_render`, with a template error in profiles.yml as a ProfileError."""
    try:
        return _render(value, env)
    except jinja2.TemplateError as exc:
        raise ProfileError(f"{path}: {type(exc).__name__}: {exc}") from None


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """Relative paths in profiles are relative to the project directory (where dbt runs)."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else PROJECT_DIR / candidate
