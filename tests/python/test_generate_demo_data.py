"""The demo data generator: determinism, a clean load through the real loader, realism.

A small window (7 days ending Monday 2025-06-30, scale 0.5, about 35k events) is
generated once per module through the CLI and checked from the files themselves and
from the warehouse the real loader builds from them.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import SCRIPTS_DIR, run_script, scratch_env

sys.path.insert(0, str(SCRIPTS_DIR))

import chatwh.demo as demo_package  # noqa: E402
from chatwh.demo import bots as bots_writer  # noqa: E402
from chatwh.demo import chat_events, writers  # noqa: E402
from chatwh.demo.context import DemoBot, build_context  # noqa: E402

END = date(2025, 6, 30)
DAYS = 7
SMALL = (
    "--days",
    str(DAYS),
    "--end-date",
    END.isoformat(),
    "--scale",
    "0.8",
    "--seed",
    "11",
    "--only",
    "bots,chat_events",
)
COUNTS_LINE = re.compile(r"files=(\d+) read=(\d+) loaded=(\d+) rejected=(\d+)")


def generate(out: Path, *args: str) -> None:
    run_script(
        "generate_demo_data.py",
        "--out",
        str(out),
        *args,
        env=scratch_env(out / "unused.duckdb"),
    )


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_events(root: Path) -> list[tuple[str, dict[str, Any]]]:
    """(file date, event) for every line of every chat event file."""
    events = []
    for path in sorted((root / "chat-events").glob("chat_events_*.jsonl")):
        day = path.stem.removeprefix("chat_events_")
        with open(path, encoding="utf-8") as handle:
            events.extend((day, json.loads(line)) for line in handle)
    return events


def local_date(event_time: str | int, offset_hours: float) -> date:
    """Reporting day of an event_time written in any of the demo's formats."""
    tz = timezone(timedelta(hours=offset_hours))
    if isinstance(event_time, int):
        moment = datetime.fromtimestamp(event_time, tz=UTC)
    else:
        moment = datetime.fromisoformat(event_time)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)  # naive = reporting local time
    return moment.astimezone(tz).date()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "landing"
    generate(out, *SMALL)
    return out


@pytest.fixture(scope="module")
def events(small: Path) -> list[tuple[str, dict[str, Any]]]:
    return read_events(small)


@pytest.fixture(scope="module")
def sessions(
    events: list[tuple[str, dict[str, Any]]],
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    by_session: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for day, event in events:
        if "session_id" in event:
            by_session[event["session_id"]].append((day, event))
    return by_session


def test_same_arguments_give_identical_bytes_and_another_seed_differs(tmp_path: Path, small: Path) -> None:
    generate(tmp_path / "again", *SMALL)
    first, again = file_bytes(small), file_bytes(tmp_path / "again")
    assert sorted(first) == sorted(again)
    assert len([name for name in first if name.startswith("chat-events/")]) == DAYS
    assert first == again

    import generate_demo_data  # in-process this time: the same code path, faster

    other_seed = [*SMALL]
    other_seed[other_seed.index("--seed") + 1] = "12"
    assert generate_demo_data.main(["--out", str(tmp_path / "other"), *other_seed]) == 0
    other = file_bytes(tmp_path / "other")
    assert sorted(other) == sorted(first)
    assert all(other[name] != first[name] for name in first if name.startswith("chat-events/"))


def test_worker_processes_do_not_change_the_output(tmp_path: Path) -> None:
    serial = build_context(tmp_path / "serial", END, 2, 0.2, 3, jobs=1)
    parallel = build_context(tmp_path / "parallel", END, 2, 0.2, 3, jobs=2)
    assert chat_events.write(serial) == chat_events.write(parallel)
    assert file_bytes(tmp_path / "serial") == file_bytes(tmp_path / "parallel")


def test_files_load_cleanly_through_the_real_loader(tmp_path: Path, small: Path, events: list) -> None:
    env = scratch_env(tmp_path / "w.duckdb")
    bots = run_script("load.py", "bots", str(small / "bots" / "bots.csv"), env=env)
    files = sorted(str(p) for p in (small / "chat-events").glob("*.jsonl"))
    loaded = run_script("load.py", "chat-events", *files, env=env)
    bot_counts = [int(x) for x in COUNTS_LINE.search(bots.stdout).groups()]  # type: ignore[union-attr]
    event_counts = [int(x) for x in COUNTS_LINE.search(loaded.stdout).groups()]  # type: ignore[union-attr]
    assert bot_counts == [1, 12, 12, 0]
    assert event_counts == [DAYS, len(events), len(events), 0]

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        # Every format (offset, Z, naive, epoch) parses to the intended instant: the
        # loader's reporting day of each event is the day of the file it came from.
        mismatched, rows = con.execute(
            """
            select count(*) filter (where cast(event_time + interval 8 hour as date)
                                       <> cast(regexp_extract(_source_file, '(\\d{4}-\\d{2}-\\d{2})', 1) as date)),
                   count(*)
            from raw.chat_events
            """
        ).fetchone()  # type: ignore[misc]
    assert (mismatched, rows) == (0, len(events))


def test_event_times_mix_every_format_and_all_land_in_their_files_day(
    events: list,
) -> None:
    kinds: Counter[str] = Counter()
    for day, event in events:
        value = event["event_time"]
        if isinstance(value, int):
            kinds["epoch"] += 1
        elif value.endswith("Z"):
            kinds["utc"] += 1
        elif value.endswith("+08:00"):
            kinds["offset"] += 1
        else:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value)
            kinds["naive"] += 1
        assert local_date(value, 8).isoformat() == day
    total = sum(kinds.values())
    assert kinds["offset"] > 0.4 * total and kinds["utc"] > 0.15 * total  # most carry a zone
    assert 0.05 * total < kinds["naive"] < 0.2 * total
    assert 0.02 * total < kinds["epoch"] < 0.1 * total


def test_other_reporting_offsets_write_matching_times(tmp_path: Path) -> None:
    for offset in (-3.0, 5.5):
        ctx = build_context(tmp_path / str(offset), END, 2, 0.1, 5, reporting_offset_hours=offset)
        chat_events.write(ctx)
        written = read_events(ctx.out_dir)
        assert written
        assert all(local_date(e["event_time"], offset).isoformat() == day for day, e in written)
        suffix = "+05:30" if offset == 5.5 else "-03:00"
        assert any(isinstance(e["event_time"], str) and e["event_time"].endswith(suffix) for _, e in written)


def test_catalogue_has_bots_models_tags_and_business_lines(small: Path, events: list) -> None:
    with open(small / "bots" / "bots.csv", encoding="utf-8") as handle:
        header, *rows = [line.rstrip("\n").split(",") for line in handle]
    assert header == [
        "bot_id",
        "bot_name",
        "model_name",
        "business_line",
        "tags",
        "created_at",
    ]
    assert len(rows) >= 8
    assert all(re.search(r"[\u4e00-\u9fff]", row[1]) for row in rows)  # Chinese names
    assert len({row[3] for row in rows}) >= 3
    tag_bots: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for tag in row[4].split("|"):
            tag_bots[tag].add(row[0])
    assert len(tag_bots) >= 6
    assert max(len(bots) for bots in tag_bots.values()) >= 2  # tags overlap
    assert any(len(row[4].split("|")) >= 2 for row in rows)

    models_of_bot: dict[str, set[str]] = defaultdict(set)
    for _, event in events:
        models_of_bot[event["bot_id"]].add(event["model_name"])
    assert len({m for models in models_of_bot.values() for m in models}) >= 3
    assert sum(len(models) == 2 for models in models_of_bot.values()) >= 2
    assert set(models_of_bot) == {row[0] for row in rows}


def test_event_ids_unique_and_every_event_complete(events: list) -> None:
    ids = [e["event_id"] for _, e in events]
    assert len(ids) == len(set(ids))
    assert {e["event_type"] for _, e in events} == {
        "exposure",
        "click",
        "user_message",
        "bot_message",
    }
    assert {e["platform"] for _, e in events} == {
        "ios",
        "android",
        "web",
        "miniprogram",
    }
    for _, e in events:
        assert re.fullmatch(r"u_\d{6,}", e["user_id"])
        assert e["model_name"]
        assert ("session_id" in e) == e["event_type"].endswith("_message")


def test_sessions_are_consistent_and_replies_follow_user_messages(
    sessions: dict,
) -> None:
    cut_off = datetime(END.year, END.month, END.day, 22, 0)  # sessions near the window end may be cut
    checked = 0
    for session_id, items in sessions.items():
        assert len({(e["user_id"], e["bot_id"], e["model_name"]) for _, e in items}) == 1, session_id
        ordered = sorted((local_time(e), e["event_type"]) for _, e in items)
        times = [t for t, _ in ordered]
        types = [kind for _, kind in ordered]
        assert len(set(times)) == len(times)  # strictly increasing within a session
        assert types[0] == "bot_message"  # the greeting opens the chat
        for (ta, a), (tb, b) in pairwise(ordered):
            if a == "user_message":
                assert b == "bot_message" and 1 <= (tb - ta).total_seconds() <= 90, session_id
        if times[-1] < cut_off:
            assert types[1:] == ["user_message", "bot_message"] * ((len(types) - 1) // 2), session_id
            checked += 1
    assert checked > 0.95 * len(sessions)


def local_time(event: dict[str, Any]) -> datetime:
    value = event["event_time"]
    tz = timezone(timedelta(hours=8))
    if isinstance(value, int):
        return datetime.fromtimestamp(value, tz=tz).replace(tzinfo=None)
    moment = datetime.fromisoformat(value)
    return moment.astimezone(tz).replace(tzinfo=None) if moment.tzinfo else moment


def test_funnel_depth_and_midnight_crossing(sessions: dict, events: list) -> None:
    counts = Counter(e["event_type"] for _, e in events)
    ctr = counts["click"] / counts["exposure"]
    assert 0.05 < ctr < 0.15
    turns = {sid: sum(e["event_type"] == "user_message" for _, e in items) for sid, items in sessions.items()}
    chat_starts = sum(t >= 1 for t in turns.values())
    assert 0.4 < chat_starts / counts["click"] < 0.75
    assert len(turns) > chat_starts  # some chats open with the greeting only
    depth = Counter(min(t, 11) for t in turns.values() if t >= 1)
    assert depth[1] == max(depth.values())  # 1-turn chats are the most common depth
    assert depth[11] >= 20  # and a heavy tail of 11+ turns
    crossing = [sid for sid, items in sessions.items() if len({day for day, _ in items}) > 1]
    assert len(crossing) >= 3
    for sid in crossing:
        first_day = min(day for day, _ in sessions[sid])
        assert sid.startswith("s_" + first_day.replace("-", ""))


def test_deep_links_repeat_users_and_same_tag_bots(small: Path, sessions: dict, events: list) -> None:
    clicks = defaultdict(list)
    for _, e in events:
        if e["event_type"] == "click":
            clicks[(e["user_id"], e["bot_id"])].append(local_time(e))
    deep = 0
    for items in sessions.values():
        first = min(local_time(e) for _, e in items)
        user, bot = items[0][1]["user_id"], items[0][1]["bot_id"]
        if not any(timedelta(0) <= first - t <= timedelta(seconds=60) for t in clicks[(user, bot)]):
            deep += 1
    assert 0.01 * len(sessions) < deep < 0.1 * len(sessions)

    chat_days: dict[str, set[str]] = defaultdict(set)
    with open(small / "bots" / "bots.csv", encoding="utf-8") as handle:
        tags = {row.split(",")[0]: row.split(",")[4].split("|") for row in handle.read().splitlines()[1:]}
    bots_by_user_day_tag: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for day, e in events:
        if e["event_type"] == "user_message":
            chat_days[e["user_id"]].add(day)
            for tag in tags[e["bot_id"]]:
                bots_by_user_day_tag[(e["user_id"], day, tag)].add(e["bot_id"])
    assert sum(len(days) >= 3 for days in chat_days.values()) >= 20  # users come back
    assert sum(len(bots) >= 2 for bots in bots_by_user_day_tag.values()) >= 3


def test_rhythm_ab_split_and_better_model(events: list) -> None:
    hours = Counter(local_time(e).hour for _, e in events if e["event_type"] == "exposure")
    assert hours[21] > 5 * hours[4]  # evening peak, quiet night
    lines = {
        "b_004": "社交",
        "b_005": "社交",
        "b_006": "社交",
        "b_007": "工具",
        "b_008": "工具",
        "b_009": "工具",
    }
    per_day: dict[tuple[str, bool], Counter[str]] = defaultdict(Counter)
    for day, e in events:
        if e["event_type"] == "exposure" and e["bot_id"] in lines:
            per_day[(lines[e["bot_id"]], date.fromisoformat(day).weekday() >= 5)][day] += 1

    def mean(key: tuple[str, bool]) -> float:
        return sum(per_day[key].values()) / len(per_day[key])

    assert mean(("社交", True)) > 1.1 * mean(("社交", False))  # weekend up for social bots
    assert mean(("工具", True)) < 0.85 * mean(("工具", False))  # and down for tools

    arms = Counter(e["model_name"] for _, e in events if e["bot_id"] == "b_001" and e["event_type"] == "exposure")
    assert set(arms) == {"qwen2.5-7b-instruct", "deepseek-v3"}
    assert 0.45 < arms["deepseek-v3"] / sum(arms.values()) < 0.55

    clicks: Counter[str] = Counter()
    started: set[tuple[str, str]] = set()
    for _, e in events:
        if e["bot_id"] in ("b_001", "b_004"):
            if e["event_type"] == "click":
                clicks[e["model_name"]] += 1
            elif e["event_type"] == "user_message":
                started.add((e["model_name"], e["session_id"]))
    rate = {m: sum(1 for model, _ in started if model == m) / clicks[m] for m in clicks}
    assert rate["deepseek-v3"] > rate["qwen2.5-7b-instruct"] + 0.05
    assert rate["deepseek-v3"] > rate["glm-4-9b-chat"] + 0.05


def test_events_option_reaches_about_that_many_events(tmp_path: Path) -> None:
    import generate_demo_data

    out = tmp_path / "sized"
    argv = [
        "--out",
        str(out),
        "--days",
        "5",
        "--end-date",
        END.isoformat(),
        "--events",
        "20000",
        "--only",
        "chat_events",
    ]
    assert generate_demo_data.main(argv) == 0
    lines = sum(p.read_bytes().count(b"\n") for p in (out / "chat-events").glob("*.jsonl"))
    assert 18_000 < lines < 22_000


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    import generate_demo_data

    for args in (
        ("--days", "0"),
        ("--scale", "-1"),
        ("--end-date", "30/06/2025"),
        ("--events", "0"),
    ):
        with pytest.raises(SystemExit) as raised:
            generate_demo_data.main(["--out", str(tmp_path), *args])
        assert raised.value.code == 2, args
    assert generate_demo_data.main(["--out", str(tmp_path), "--only", "bots,nope"]) == 2
    assert not any(tmp_path.iterdir())  # nothing written


def test_streams_are_deterministic_and_independent() -> None:
    ctx = build_context(Path("unused"), END, 3, 1.0, 42)
    assert ctx.start_date == date(2025, 6, 28)
    assert ctx.rng("feedback").random() == ctx.rng("feedback").random()
    assert ctx.rng("feedback").random() != ctx.rng("eval").random()
    assert build_context(Path("unused"), END, 3, 1.0, 43).rng("feedback").random() != ctx.rng("feedback").random()
    assert len(ctx.models) >= 3 and all(len(b.weights) == len(b.models) for b in ctx.bots)


def test_every_module_with_write_is_discovered_after_the_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra_generators"
    extra.mkdir()
    (extra / "aa_no_writer.py").write_text("VALUE = 1\n", encoding="utf-8")
    (extra / "zz_extra.py").write_text(
        "def write(ctx):\n"
        "    path = ctx.kind_dir('extra') / 'extra.jsonl'\n"
        "    path.write_text('{\"a\": 1}\\n{\"a\": 2}\\n', encoding='utf-8')\n"
        "    return {'extra': 2}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(demo_package, "__path__", [*demo_package.__path__, str(extra)])
    names = [name for name, _ in writers()]
    assert names[:2] == ["bots", "chat_events"]
    assert "zz_extra" in names and "aa_no_writer" not in names
    assert names[2:] == sorted(names[2:])

    import generate_demo_data

    out = tmp_path / "landing"
    argv = [
        "--out",
        str(out),
        "--days",
        "1",
        "--end-date",
        END.isoformat(),
        "--scale",
        "0.05",
        "--only",
        "bots,zz_extra",
    ]
    assert generate_demo_data.main(argv) == 0
    assert (out / "extra" / "extra.jsonl").read_text(encoding="utf-8").count("\n") == 2
    assert (out / "bots" / "bots.csv").exists() and not (out / "chat-events").exists()
    for name in ("chatwh.demo.zz_extra", "chatwh.demo.aa_no_writer"):
        sys.modules.pop(name, None)


def test_hand_built_bots_generate_their_own_catalogue(tmp_path: Path) -> None:
    bot = DemoBot(
        "x_1",
        "测试机器人",
        "工具",
        ("知识问答", "编程助手"),
        "glm-4-9b-chat",
        ("glm-4-9b-chat", "deepseek-v3"),
    )
    ctx = build_context(tmp_path, END, 2, 1.0, 1, bots=(bot,))
    assert ctx.models == ("glm-4-9b-chat", "deepseek-v3")
    assert bots_writer.write(ctx) == {"bots": 1}
    assert (
        (tmp_path / "bots" / "bots.csv")
        .read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith("x_1,测试机器人,glm-4-9b-chat,工具,知识问答|编程助手,")
    )
    written = chat_events.write(ctx)["chat-events"]
    events = read_events(tmp_path)
    assert written == len(events) > 100
    assert {e["bot_id"] for _, e in events} == {"x_1"}
    assert {e["model_name"] for _, e in events} == {"glm-4-9b-chat", "deepseek-v3"}


def test_more_bad_arguments_exit_2_without_a_traceback(tmp_path: Path) -> None:
    """An infinite scale crashed the volume arithmetic with a traceback; an --only that
    names nothing (',') generated nothing and exited 0."""
    import generate_demo_data

    for args in (("--scale", "inf"), ("--scale", "nan"), ("--days", "x")):
        with pytest.raises(SystemExit) as raised:
            generate_demo_data.main(["--out", str(tmp_path), *args])
        assert raised.value.code == 2, args
    assert generate_demo_data.main(["--out", str(tmp_path), "--only", ","]) == 2
    assert generate_demo_data.main(["--out", str(tmp_path), "--only", ""]) == 2
    assert not any(tmp_path.iterdir())  # nothing written
