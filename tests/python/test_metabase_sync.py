"""`make metabase-sync` against a local stand-in for Metabase's REST API.

Metabase cannot be installed here, so a small HTTP server on 127.0.0.1 answers the
endpoints dbt-metabase uses (session, database list, sync, metadata, table/field
updates) with the tables and columns of the real fixture warehouse, and records every
request. The test then checks what Metabase would have been told: the login, a schema
sync of the right database, and for every mart and documented column a PUT carrying the
YAML description, display name and semantic type, and FK links from relationships tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import PROJECT_DIR, query
from dbt_manifest import mart_models, metabase_meta

from chatwh.publish import is_published

DATABASE_ID = 7
SESSION_ID = "f3c1a0de-session"


class FakeMetabase:
    """Tables and fields of one database (ids assigned here), and a log of requests."""

    def __init__(self, columns: dict[str, list[str]]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.field_ids: dict[tuple[str, str], int] = {}
        next_field = 1000
        for table_id, (table, names) in enumerate(sorted(columns.items()), start=100):
            fields = []
            for name in names:
                fields.append(
                    {
                        "id": next_field,
                        "name": name,
                        "display_name": name.replace("_", " ").title(),
                        "description": None,
                        "semantic_type": None,
                        "fk_target_field_id": None,
                        "visibility_type": "normal",
                        "has_field_values": "list",
                        "settings": None,
                        "table_id": table_id,
                    }
                )
                self.field_ids[(table, name)] = next_field
                next_field += 1
            self.tables.append(
                {
                    "id": table_id,
                    "db_id": DATABASE_ID,
                    "schema": "main",
                    "name": table,
                    "display_name": table.replace("_", " ").title(),
                    "description": None,
                    "visibility_type": None,
                    "points_of_interest": None,
                    "caveats": None,
                    "field_order": "database",
                    "fields": fields,
                }
            )
        self.table_ids = {t["name"]: t["id"] for t in self.tables}

    def respond(self, method: str, path: str, params: dict[str, list[str]], headers: dict[str, str], body: Any) -> tuple[int, Any]:
        self.requests.append({"method": method, "path": path, "params": params, "headers": headers, "body": body})
        if method == "POST" and path == "/api/session":
            if body != {"username": "analyst@example.com", "password": "s3cret"}:
                return 401, {"message": "wrong credentials"}
            return 200, {"id": SESSION_ID}
        if headers.get("x-metabase-session") != SESSION_ID:
            return 401, {"message": "Unauthenticated"}
        if method == "GET" and path == "/api/database":
            return 200, {
                "data": [{"id": 3, "name": "Sample Database"}, {"id": DATABASE_ID, "name": "chatbot", "engine": "duckdb"}],
                "total": 2,
            }
        if method == "POST" and path == f"/api/database/{DATABASE_ID}/sync_schema":
            return 200, {"status": "ok"}
        if method == "GET" and path == f"/api/database/{DATABASE_ID}/metadata":
            return 200, {
                "id": DATABASE_ID,
                "name": "chatbot",
                "engine": "duckdb",
                "details": {},
                "tables": json.loads(json.dumps(self.tables)),
            }
        if method == "PUT" and (path.startswith("/api/table/") or path.startswith("/api/field/")):
            return 200, [] if path.endswith("/fields/order") else {"id": int(path.split("/")[3])}
        return 404, {"message": f"no route {method} {path}"}


def serve(fake: FakeMetabase) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = fake.respond(self.command, url.path, parse_qs(url.query), headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def built_columns(fixture_warehouse: Path) -> dict[str, list[str]]:
    rows = query(
        fixture_warehouse,
        "select table_name, column_name from information_schema.columns where table_schema = 'main' order by table_name, ordinal_position",
    )
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


@pytest.fixture(scope="module")
def synced(
    built_columns: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[FakeMetabase, subprocess.CompletedProcess[str], dict[str, Any]]:
    work = tmp_path_factory.mktemp("metabase")
    fake = FakeMetabase(built_columns)
    server = serve(fake)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("METABASE_")}
        env.update(
            {
                "HOME": str(work),  # dbt-metabase writes its log under ~/.dbt-metabase
                "METABASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
                "METABASE_USERNAME": "analyst@example.com",
                "METABASE_PASSWORD": "s3cret",
                "CHATBOT_DUCKDB_PATH": str(work / "unused.duckdb"),
                "DBT_LOG_PATH": str(work / "logs"),
            }
        )
        completed = subprocess.run(
            ["make", "--no-print-directory", "metabase-sync", f"METABASE_MANIFEST_DIR={work / 'target'}"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    manifest = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))
    return fake, completed, manifest


def puts(fake: FakeMetabase, kind: str) -> dict[int, dict[str, Any]]:
    """Body of the PUTs to /api/<kind>/<id>, merged per id."""
    out: dict[int, dict[str, Any]] = {}
    for request in fake.requests:
        parts = request["path"].split("/")
        if request["method"] == "PUT" and parts[2] == kind and len(parts) == 4:
            out.setdefault(int(parts[3]), {}).update(request["body"])
    return out


def fields_after_sync(fake: FakeMetabase) -> dict[int, dict[str, Any]]:
    """What Metabase would hold per field id: its metadata with the PUTs applied (a value
    already right, e.g. display name "Tag" for column tag, is not sent again)."""
    state = {field["id"]: dict(field) for table in fake.tables for field in table["fields"]}
    for field_id, body in puts(fake, "field").items():
        state[field_id].update(body)
    return state


def test_sync_exits_ok_and_logs_in_once(synced: tuple[FakeMetabase, subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    fake, completed, _ = synced
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    logins = [r for r in fake.requests if r["path"] == "/api/session"]
    assert len(logins) == 1 and logins[0]["method"] == "POST"
    # Every other call carried the session the login returned (the fake answers 401 otherwise).
    assert all(r["headers"].get("x-metabase-session") == SESSION_ID for r in fake.requests if r["path"] != "/api/session")
    assert [r["path"] for r in fake.requests if r["path"].endswith("/sync_schema")] == [f"/api/database/{DATABASE_ID}/sync_schema"]


def test_every_mart_table_gets_its_description(synced: tuple[FakeMetabase, subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    fake, _, manifest = synced
    tables = puts(fake, "table")
    marts = {name: node for name, node in mart_models(manifest).items() if is_published(name)}
    for name, node in marts.items():
        assert tables[fake.table_ids[name]]["description"] == node["description"], name
    # Only published marts are pushed: staging views, intermediate tables and the
    # *_restricted marts (not in the BI copy, not in Metabase's grant) are left alone.
    pushed = {name for name, table_id in fake.table_ids.items() if table_id in tables}
    assert pushed == set(marts) and "mart_low_quality_answers_restricted" in fake.table_ids


def test_every_documented_mart_column_gets_description_display_name_and_type(
    synced: tuple[FakeMetabase, subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    fake, _, manifest = synced
    fields = fields_after_sync(fake)
    checked = 0
    for name, node in mart_models(manifest).items():
        if not is_published(name):
            continue
        for column_name, column in node["columns"].items():
            body = fields[fake.field_ids[(name, column_name)]]
            assert body["description"] == column["description"], f"{name}.{column_name}"
            meta = metabase_meta(column)
            if meta.get("display_name"):
                assert body["display_name"] == meta["display_name"], f"{name}.{column_name}"
            if meta.get("semantic_type"):
                assert body["semantic_type"] == meta["semantic_type"], f"{name}.{column_name}"
            checked += 1
    assert checked > 300


def test_hand_picked_values_and_fk_links(synced: tuple[FakeMetabase, subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    fake, _, _ = synced
    fields = fields_after_sync(fake)
    bot_name = fields[fake.field_ids[("dim_bots", "bot_name")]]
    assert (bot_name["display_name"], bot_name["semantic_type"], bot_name["description"]) == (
        "Bot name",
        "type/Name",
        "Bot display name (Chinese allowed).",
    )
    # fct_chat_sessions.bot_id is type/FK with a relationships test to dim_bots.bot_id:
    # Metabase gets the link to that field's id.
    session_bot = fields[fake.field_ids[("fct_chat_sessions", "bot_id")]]
    assert session_bot["semantic_type"] == "type/FK"
    assert session_bot["fk_target_field_id"] == fake.field_ids[("dim_bots", "bot_id")]
    # Column order follows the YAML (--order-fields): one order PUT per mart table.
    orders = [r for r in fake.requests if r["method"] == "PUT" and r["path"].endswith("/fields/order")]
    dim_bots_order = [r["body"] for r in orders if r["path"] == f"/api/table/{fake.table_ids['dim_bots']}/fields/order"]
    if dim_bots_order:  # sent only when the warehouse order differs from the YAML order
        assert dim_bots_order[0][0] == fake.field_ids[("dim_bots", "bot_id")]


def test_no_semantic_type_is_cleared_and_every_bot_fk_links_to_dim_bots(
    synced: tuple[FakeMetabase, subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    fake, _, manifest = synced
    names = {field_id: key for key, field_id in fake.field_ids.items()}
    # An explicit null in the YAML makes dbt-metabase send semantic_type: null, which
    # erases the type Metabase inferred (a Category's value list becomes a search box).
    cleared = [
        names[field_id] for field_id, body in puts(fake, "field").items() if "semantic_type" in body and body["semantic_type"] is None
    ]
    assert not cleared, f"the sync cleared the semantic type of: {cleared}"
    # bot_id is declared the same way wherever its values are dim_bots keys: type/FK with
    # a relationships test, which Metabase gets as a link to dim_bots.bot_id.
    fields = fields_after_sync(fake)
    linked = set()
    for name, node in mart_models(manifest).items():
        column = node["columns"].get("bot_id")
        if not is_published(name) or column is None or metabase_meta(column).get("semantic_type") != "type/FK":
            continue
        assert fields[fake.field_ids[(name, "bot_id")]]["fk_target_field_id"] == fake.field_ids[("dim_bots", "bot_id")], name
        linked.add(name)
    assert {"dim_bot_tags", "fct_chat_sessions", "mart_bot_daily_kpis"} <= linked


def test_missing_url_is_a_usage_error(tmp_path: Path) -> None:
    completed = subprocess.run(
        ["make", "--no-print-directory", "metabase-sync"],
        cwd=PROJECT_DIR,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("METABASE_")}, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    assert "set METABASE_URL" in completed.stderr
