"""No credential literal in the repository: profiles take every secret from env_var(), and
no tracked file holds a key, token, private key or hard-coded password."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT_DIR

SECRET_KEYS = re.compile(r"(password|passwd|pass|token|secret|api_?key|private_key|keyfile_json|client_secret)$", re.I)
ENV_ONLY = re.compile(r"""^\s*\{\{\s*env_var\(\s*['"][A-Z0-9_]+['"]\s*\)\s*\}\}\s*$""")

# Shapes of real credentials (vendor token formats and PEM private keys), and a password,
# secret or key assigned a quoted literal in code or config.
CREDENTIAL_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    "OpenAI-style key": re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "URL with a password": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"{$]{3,}@"),
    "assigned literal": re.compile(
        r"""(?ix)\b(password|passwd|secret|api_?key|access_?token|auth_?token)\b\s*[:=]\s*(?P<q>['"])(?P<value>[^'"]{4,})(?P=q)"""
    ),
}
# A literal that is plainly not a credential: an env var name, a placeholder, a template.
PLACEHOLDER = re.compile(
    r"^(\{\{.*\}\}|\$\{?[A-Z_]+\}?|<[^>]+>|\.\.\.|x+|changeme|change-me|example|dummy|test|your[-_ ].*|[A-Z][A-Z0-9_]+)$", re.I
)


def tracked_files() -> list[Path]:
    """Files git tracks, plus new files not ignored (what the next commit would hold)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout
    return [PROJECT_DIR / name for name in listed.split("\0") if name and (PROJECT_DIR / name).is_file()]


def scan(text: str) -> Iterator[tuple[int, str, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        for label, pattern in CREDENTIAL_PATTERNS.items():
            for match in pattern.finditer(line):
                value = match.groupdict().get("value")
                if value is not None and PLACEHOLDER.match(value.strip()):
                    continue
                yield number, label, line.strip()[:120]


def test_scanner_finds_credentials_and_ignores_placeholders() -> None:
    # Assembled at run time, so this file holds no credential-shaped literal itself.
    sample = "\n".join(
        [
            "pass" + 'word = "hunter2!"',
            "api_key: '{{ env_var(\"X\") }}'",
            'url = "mysql://app:' + 's3cret@db:3306/x"',
            'key = "AKIA' + 'ABCDEFGHIJKLMNOP"',
        ]
    )
    found = list(scan(sample))
    assert [(n, label) for n, label, _ in found] == [(1, "assigned literal"), (3, "URL with a password"), (4, "AWS access key")]
    assert list(scan('password: "{{ env_var(\'CHATBOT_MYSQL_PASSWORD\') }}"\npassword = "CHATBOT_MYSQL_PASSWORD"')) == []


def test_no_credential_literal_in_the_tree() -> None:
    files = tracked_files()
    assert len(files) > 50
    findings = []
    for path in files:
        if path.suffix in (".parquet", ".png", ".jpg", ".gz", ".zip", ".duckdb"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        findings += [f"{path.relative_to(PROJECT_DIR)}:{n}: {label}: {line}" for n, label, line in scan(text)]
    assert findings == []


def _secret_values(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if SECRET_KEYS.search(str(key)):
                yield here, value
            yield from _secret_values(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _secret_values(value, f"{path}[{i}]")


def profile_files() -> list[Path]:
    return sorted(p for p in tracked_files() if p.name in ("profiles.yml", "profiles.example.yml"))


def test_the_example_and_demo_profiles_exist() -> None:
    names = {p.relative_to(PROJECT_DIR).as_posix() for p in profile_files()}
    assert {"profiles.example.yml", "profiles/profiles.yml"} <= names


@pytest.mark.parametrize("path", profile_files(), ids=lambda p: p.relative_to(PROJECT_DIR).as_posix())
def test_profiles_take_every_secret_from_env_var_without_a_default(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    profile = yaml.safe_load(text)
    secrets = list(_secret_values(profile))
    assert secrets, "a profile with MySQL/Spark outputs names at least one password"
    for where, value in secrets:
        assert isinstance(value, str) and ENV_ONLY.match(value), f"{where}: {value!r} must be \"{{{{ env_var('NAME') }}}}\" (no default)"
    # Commented-out outputs are copied by users too: the same rule for them.
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^\s*#\s*([A-Za-z_]+)\s*:\s*(.+?)\s*$", line)
        if match and SECRET_KEYS.search(match.group(1)):
            assert ENV_ONLY.match(match.group(2).strip("'\"")) or ENV_ONLY.match(match.group(2)), f"{path.name}:{number}: {line.strip()}"
