"""Demo chat events: DIR/chat-events/chat_events_YYYY-MM-DD.jsonl (the `chat-events` kind).

The funnel is simulated one reporting day at a time with numpy and written straight to
that day's file, so memory grows with the events of one day, never with the window:

- exposures per bot and day: the bot's base volume × growth trend × weekday/weekend
  rhythm of its business line × a little day noise; times follow an hour-of-day curve
  in reporting local time (evening peak; office hours for tools, late night for social);
- users: a heavy-tailed (Pareto) activity population, 70 % of exposures targeted at
  users whose interest tag matches the bot, so heavy users come back across days and
  chat with two bots of one tag on one day;
- serving model: drawn per exposure → click → session chain from the bot's split
  (e.g. 50/50 A/B); model profiles lift chat-start rate, depth and reply latency;
- clicks (platform-dependent CTR), a bot greeting on opening the chat, a chat start
  with the bot × model probability, a few sessions that open with a greeting only, and
  a small share of deep-link sessions reached without any click;
- chat depth: geometric turns with a per-session random rate (heavy tail: many 1-turn
  chats, some 11+); each user message is answered by a bot_message a few seconds later,
  think times between turns are log-normal with occasional long pauses.

Events go to the file of their own reporting day, so a session started before midnight
continues in the next day's file (it still belongs to the day of its first message).
Events after the end of the last day are not written (an extract cut off at midnight).
Times are written in mixed formats, as real producers do: offset (+08:00), UTC `Z`,
naive local time and epoch seconds.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from .context import PLATFORMS, TAGS, DemoContext

EVENT_TYPES = ("exposure", "click", "user_message", "bot_message")
EXPOSURE, CLICK, USER_MESSAGE, BOT_MESSAGE = range(4)

PLATFORM_SHARES = np.array([0.34, 0.41, 0.12, 0.13])
PLATFORM_CTR = np.array([1.10, 1.00, 0.80, 1.05])  # click-rate multiplier per platform
# Time formats: offset (+08:00), UTC Z, naive local, epoch seconds.
TIME_FORMAT_SHARES = np.array([0.58, 0.27, 0.10, 0.05])
INTEREST_SHARE = 0.7  # exposures targeted at users interested in one of the bot's tags
GREETING_ONLY_SHARE = 0.12  # clicks that open the chat but the user never types
DEEP_LINK_SHARE = 0.05  # deep-link chat starts, relative to chat starts after a click
GROWTH_PER_DAY = 0.012
DAY_NOISE_SIGMA = 0.07
WEEKEND_FACTOR = {"教育": 1.12, "社交": 1.25, "工具": 0.70, "生活": 1.30}
FRIDAY_FACTOR = {"教育": 0.95, "社交": 1.08, "工具": 0.95, "生活": 1.10}

# Hour-of-day weights in reporting local time (0..23).
HOURLY_WEEKDAY = (2.6, 1.4, 0.8, 0.5, 0.4, 0.6, 1.3, 2.6, 3.6, 3.9, 4.0, 4.2,
                  4.9, 4.4, 3.9, 3.9, 4.1, 4.5, 5.2, 6.4, 7.6, 8.2, 7.4, 5.0)  # fmt: skip
HOURLY_WEEKEND = (3.4, 2.2, 1.3, 0.8, 0.5, 0.5, 0.8, 1.4, 2.4, 3.4, 4.3, 4.7,
                  5.1, 5.0, 4.8, 4.7, 4.7, 4.9, 5.5, 6.7, 7.9, 8.4, 7.8, 5.8)  # fmt: skip
# Business-line shape on top of the base curve: {line: ({hour: factor} weekday, weekend)}.
LINE_HOUR_BOOST: dict[str, tuple[dict[int, float], dict[int, float]]] = {
    "工具": (
        {
            9: 1.6,
            10: 1.7,
            11: 1.6,
            14: 1.6,
            15: 1.7,
            16: 1.6,
            17: 1.3,
            21: 0.7,
            22: 0.6,
            23: 0.6,
        },
        {},
    ),
    "社交": ({22: 1.5, 23: 1.7, 0: 1.6, 1: 1.4}, {22: 1.5, 23: 1.8, 0: 1.8, 1: 1.6}),
    "教育": ({19: 1.3, 20: 1.4, 21: 1.3, 7: 1.2}, {9: 1.3, 10: 1.3, 15: 1.2}),
    "生活": ({11: 1.2, 12: 1.3, 17: 1.2, 18: 1.3}, {10: 1.3, 11: 1.3, 14: 1.2}),
}

CHUNK_EVENTS = 50_000  # lines formatted and written per write() call


@lru_cache(maxsize=16)
def _hour_cdf(line: str, weekend: bool) -> np.ndarray:
    weights = np.array(HOURLY_WEEKEND if weekend else HOURLY_WEEKDAY, dtype=float)
    for hour, factor in LINE_HOUR_BOOST.get(line, ({}, {}))[1 if weekend else 0].items():
        weights[hour] *= factor
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


@lru_cache(maxsize=1)
def _clock_strings() -> np.ndarray:
    """'HH:MM:SS' for every second of a day, as an object array for fancy indexing."""
    minutes = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
    seconds = [f"{s:02d}" for s in range(60)]
    return np.array([hm + ss for hm in minutes for ss in seconds], dtype=object)


def _offset_text(hours: float) -> str:
    minutes = round(hours * 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


@dataclass
class Batch:
    """Columns of a set of events (one row per event)."""

    t: np.ndarray  # int64 UTC epoch seconds
    user: np.ndarray  # int64 user index
    bm: np.ndarray  # int64 index into Layout.pairs (bot, model)
    etype: np.ndarray  # int8 event type
    sid: np.ndarray  # int64 session number, -1 for exposures and clicks

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: np.ndarray) -> Batch:
        return Batch(
            self.t[index],
            self.user[index],
            self.bm[index],
            self.etype[index],
            self.sid[index],
        )

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        if not parts:
            return Batch.empty()
        return Batch(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("t", "user", "bm", "etype", "sid")))

    @staticmethod
    def empty() -> Batch:
        z = np.zeros(0, dtype=np.int64)
        return Batch(z, z, z, z.astype(np.int8), z)

    @staticmethod
    def of(
        t: np.ndarray,
        user: np.ndarray,
        bm: np.ndarray,
        etype: int,
        sid: np.ndarray | None = None,
    ) -> Batch:
        n = len(t)
        return Batch(
            t.astype(np.int64, copy=False),
            user.astype(np.int64, copy=False),
            bm.astype(np.int64, copy=False),
            np.full(n, etype, dtype=np.int8),
            np.full(n, -1, dtype=np.int64) if sid is None else sid.astype(np.int64, copy=False),
        )


class Population:
    """Users u_000000 ... with heavy-tailed activity, a platform and an interest tag."""

    def __init__(self, ctx: DemoContext) -> None:
        rng = ctx.np_rng("users")
        n = ctx.user_count
        activity = np.minimum((1.0 - rng.random(n)) ** (-1.0 / 1.15), 500.0)
        self.platform = rng.choice(len(PLATFORMS), size=n, p=PLATFORM_SHARES).astype(np.int8)
        primary = rng.integers(0, len(TAGS), size=n)
        self.global_cdf = self._cdf(activity)
        self.by_tag: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for j, tag in enumerate(TAGS):
            members = np.flatnonzero(primary == j)
            if len(members):
                self.by_tag[tag] = (members, self._cdf(activity[members]))

    @staticmethod
    def _cdf(weights: np.ndarray) -> np.ndarray:
        cdf = np.cumsum(weights)
        return cdf / cdf[-1]

    @staticmethod
    def _draw(cdf: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, r, side="right"), len(cdf) - 1)

    def sample(self, rng: np.random.Generator, n: int, tags: tuple[str, ...]) -> np.ndarray:
        users = np.empty(n, dtype=np.int64)
        r = rng.random(n)
        interest = rng.random(n) < INTEREST_SHARE
        which = rng.integers(0, len(tags), size=n)
        rest = ~interest
        for j, tag in enumerate(tags):
            sel = interest & (which == j)
            if tag in self.by_tag:
                members, cdf = self.by_tag[tag]
                users[sel] = members[self._draw(cdf, r[sel])]
            else:
                rest |= sel
        users[rest] = self._draw(self.global_cdf, r[rest])
        return users


class Layout:
    """(bot, model) pairs in a fixed order, and the line templates of one file."""

    def __init__(self, ctx: DemoContext) -> None:
        self.pairs: list[tuple[str, str]] = []
        self.first_pair: list[int] = []
        for bot in ctx.bots:
            self.first_pair.append(len(self.pairs))
            self.pairs.extend((bot.bot_id, model) for model in bot.models)
        self.offset_text = _offset_text(ctx.reporting_offset_hours)

        def lit(value: str) -> str:
            return json.dumps(value, ensure_ascii=False).replace("%", "%%")

        # Everything after event_time, by (event type, platform, pair); dates come later.
        self.tails: list[str] = []
        for etype, type_name in enumerate(EVENT_TYPES):
            session = '"session_id":"s_%d",' if etype in (USER_MESSAGE, BOT_MESSAGE) else "%.0s"
            for platform in PLATFORMS:
                for bot_id, model in self.pairs:
                    self.tails.append(
                        f',"user_id":"u_%06d","bot_id":{lit(bot_id)},"event_type":"{type_name}",'
                        f'{session}"model_name":{lit(model)},"platform":{lit(platform)}}}\n'
                    )

    def templates(self, day: date) -> np.ndarray:
        """Line templates indexed by ((code*4 + event_type)*4 + platform)*pairs + pair.

        Each takes (sequence, time, user index, session number); time codes: 0 offset,
        1-3 UTC `Z` on the previous/same/next UTC date, 4 naive local, 5 epoch seconds.
        Exposures and clicks swallow the session number with `%.0s`.
        """
        local = day.isoformat()
        times = [f'"{local}T%s{self.offset_text}"']
        times += [f'"{(day + timedelta(days=delta)).isoformat()}T%sZ"' for delta in (-1, 0, 1)]
        times += [f'"{local}T%s"', "%s"]
        head = '{"event_id":"ev-' + day.strftime("%Y%m%d") + '-%08d","event_time":'
        return np.array(
            [head + time_part + tail for time_part in times for tail in self.tails],
            dtype=object,
        )


def _sample_seconds(rng: np.random.Generator, n: int, cdf: np.ndarray) -> np.ndarray:
    hours = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), 23)
    return hours * 3600 + rng.integers(0, 3600, size=n)


def simulate_day(ctx: DemoContext, pop: Population, layout: Layout, day_index: int, day: date) -> Batch:
    """Every event of the sessions, clicks and exposures that start on `day` (local)."""
    rng = ctx.np_rng(f"chat-events:{day.isoformat()}")
    offset = round(ctx.reporting_offset_hours * 3600)
    midnight = _day_number(day) * 86400 - offset  # local midnight as UTC epoch seconds
    weekend = day.weekday() >= 5
    growth = float(np.exp(GROWTH_PER_DAY * day_index))
    profiles = ctx.model_profiles

    events: list[Batch] = []
    s_t0: list[np.ndarray] = []
    s_user: list[np.ndarray] = []
    s_bm: list[np.ndarray] = []
    s_latency: list[np.ndarray] = []
    s_turns: list[np.ndarray] = []
    for b, bot in enumerate(ctx.bots):
        noise = float(rng.lognormal(0.0, DAY_NOISE_SIGMA))
        min_second = 0
        if bot.created_at is not None:
            created = bot.created_at.astimezone(ctx.local_tz)
            if day < created.date():
                continue
            if day == created.date():
                min_second = created.hour * 3600 + created.minute * 60 + created.second
        rhythm = WEEKEND_FACTOR.get(bot.business_line, 1.0) if weekend else 1.0
        if day.weekday() == 4:
            rhythm *= FRIDAY_FACTOR.get(bot.business_line, 1.0)
        volume = bot.daily_exposures * ctx.scale * growth * rhythm * noise
        cdf = _hour_cdf(bot.business_line, weekend)
        weights = np.array(bot.weights, dtype=float)
        weights /= weights.sum()
        start_p = np.array([min(0.92, bot.chat_start_rate * profiles[m].start_lift) for m in bot.models])
        mean_turns = np.array([bot.mean_turns * profiles[m].depth_lift for m in bot.models])
        latency = np.array([profiles[m].reply_latency_s for m in bot.models])

        # Exposures.
        sec = _sample_seconds(rng, int(rng.poisson(volume)), cdf)
        sec = sec[sec >= min_second]
        n = len(sec)
        t = midnight + sec
        user = pop.sample(rng, n, bot.tags)
        arm = rng.choice(len(bot.models), size=n, p=weights) if len(bot.models) > 1 else np.zeros(n, dtype=np.int64)
        events.append(Batch.of(t, user, layout.first_pair[b] + arm, EXPOSURE))

        # Clicks, a few seconds after the exposure.
        clicked = rng.random(n) < bot.click_rate * PLATFORM_CTR[pop.platform[user]]
        c_t = t[clicked] + 1 + np.floor(rng.lognormal(np.log(3.0), 0.6, size=int(clicked.sum()))).astype(np.int64)
        c_user, c_arm = user[clicked], arm[clicked]
        events.append(Batch.of(c_t, c_user, layout.first_pair[b] + c_arm, CLICK))

        # Chats opened by a click: chat start, greeting only, or nothing.
        r = rng.random(len(c_t))
        starts = r < start_p[c_arm]
        opened = starts | (r < start_p[c_arm] + GREETING_ONLY_SHARE)
        o_t0 = c_t[opened] + 1 + rng.integers(0, 3, size=int(opened.sum()))
        o_user, o_arm, o_start = c_user[opened], c_arm[opened], starts[opened]

        # Deep-link chats: no exposure, no click.
        n_deep = int(rng.poisson(volume * bot.click_rate * bot.chat_start_rate * DEEP_LINK_SHARE))
        d_sec = _sample_seconds(rng, n_deep, cdf)
        d_sec = d_sec[d_sec >= min_second]
        d_t0 = midnight + d_sec
        d_user = pop.sample(rng, len(d_sec), bot.tags)
        d_arm = rng.choice(len(bot.models), size=len(d_sec), p=weights) if len(bot.models) > 1 else np.zeros(len(d_sec), dtype=np.int64)

        t0 = np.concatenate([o_t0, d_t0])
        s_arm = np.concatenate([o_arm, d_arm])
        is_start = np.concatenate([o_start, np.ones(len(d_t0), dtype=bool)])
        # Heavy-tailed depth: geometric turns whose rate varies per session.
        p = np.clip(
            np.exp(rng.normal(0.0, 0.45, size=len(t0)) + 0.1) / mean_turns[s_arm],
            0.03,
            0.97,
        )
        turns = np.where(is_start, rng.geometric(p), 0)
        s_t0.append(t0)
        s_user.append(np.concatenate([o_user, d_user]))
        s_bm.append(layout.first_pair[b] + s_arm)
        s_latency.append(latency[s_arm])
        s_turns.append(turns)

    if s_t0:
        t0 = np.concatenate(s_t0)
        users = np.concatenate(s_user)
        bms = np.concatenate(s_bm)
        lat_median = np.concatenate(s_latency)
        turns = np.concatenate(s_turns).astype(np.int64)
        sessions = len(t0)
        sid = int(day.strftime("%Y%m%d")) * 10_000_000 + np.arange(sessions, dtype=np.int64)
        # The bot greets when the chat opens: the session's first message.
        events.append(Batch.of(t0, users, bms, BOT_MESSAGE, sid))

        total = int(turns.sum())
        owner = np.repeat(np.arange(sessions), turns)
        first = np.cumsum(turns) - turns
        position = np.arange(total) - np.repeat(first, turns)
        later = position > 0
        think = np.where(
            later,
            rng.lognormal(np.log(22.0), 0.9, size=total),
            rng.lognormal(np.log(9.0), 0.7, size=total),
        )
        pause = later & (rng.random(total) < 0.04)
        think = think + np.where(pause, rng.integers(300, 2400, size=total), 0)
        think = np.maximum(1, np.round(think)).astype(np.int64)
        reply = np.clip(np.round(rng.lognormal(np.log(lat_median[owner]), 0.5)), 1, 90).astype(np.int64)
        elapsed = np.cumsum(think + reply)
        before = np.zeros(sessions, dtype=np.int64)
        has_turns = turns > 0
        before[has_turns] = (elapsed - think - reply)[first[has_turns]]
        since_greeting = elapsed - np.repeat(before, turns)
        bot_t = t0[owner] + since_greeting
        events.append(Batch.of(bot_t - reply, users[owner], bms[owner], USER_MESSAGE, sid[owner]))
        events.append(Batch.of(bot_t, users[owner], bms[owner], BOT_MESSAGE, sid[owner]))
    return Batch.concat(events)


def file_batches(ctx: DemoContext, pop: Population | None = None, layout: Layout | None = None) -> Iterator[tuple[date, Batch]]:
    """(reporting day, its events) for every day of the window, in time order of days.

    Events that fall after the day they were simulated for (sessions across midnight)
    are carried into the next day's batch; those after the window are dropped.
    """
    pop = pop or Population(ctx)
    layout = layout or Layout(ctx)
    offset = round(ctx.reporting_offset_hours * 3600)
    carry = Batch.empty()
    for index, day in enumerate(ctx.dates):
        batch = Batch.concat([carry, simulate_day(ctx, pop, layout, index, day)])
        report_day = (batch.t + offset) // 86400 - _day_number(day)
        if np.any(report_day < 0):
            raise AssertionError("an event fell before the day it was simulated for")
        carry = batch.take(report_day > 0)
        yield day, batch.take(report_day == 0)


def count_events(ctx: DemoContext) -> int:
    """How many events write() would produce, without formatting anything."""
    return sum(len(batch) for _, batch in file_batches(ctx))


def _write_file(
    path: Path,
    ctx: DemoContext,
    layout: Layout,
    day: date,
    batch: Batch,
    platform: np.ndarray,
) -> int:
    """Format one day's events (in time order) as JSON lines; runs in a worker process."""
    order = np.argsort(batch.t, kind="stable")
    batch = batch.take(order)
    platform = platform[order].astype(np.int64)
    n = len(batch)
    rng = ctx.np_rng(f"chat-events-format:{day.isoformat()}")
    offset = round(ctx.reporting_offset_hours * 3600)
    day_start = _day_number(day) * 86400
    local_sec = batch.t + offset - day_start
    utc_rel = batch.t - day_start
    utc_delta = np.clip(utc_rel // 86400, -1, 1)
    utc_sec = utc_rel - utc_delta * 86400
    fmt = rng.choice(4, size=n, p=TIME_FORMAT_SHARES)
    code = np.choose(fmt, [np.zeros(n, dtype=np.int64), 2 + utc_delta, np.full(n, 4), np.full(n, 5)])
    clock_index = np.where(fmt == 1, utc_sec, local_sec)
    key = ((code * 4 + batch.etype) * 4 + platform) * len(layout.pairs) + batch.bm
    templates = layout.templates(day)
    clock = _clock_strings()
    fmod = str.__mod__
    with open(path, "wb") as handle:
        for a in range(0, n, CHUNK_EVENTS):
            b = min(n, a + CHUNK_EVENTS)
            times = clock[clock_index[a:b]]
            epoch = fmt[a:b] == 3
            times[epoch] = batch.t[a:b][epoch].astype(object)
            args = zip(
                range(a, b),
                times.tolist(),
                batch.user[a:b].tolist(),
                batch.sid[a:b].tolist(),
            )
            handle.write("".join(map(fmod, templates[key[a:b]].tolist(), args)).encode())
    return n


def write(ctx: DemoContext) -> dict[str, int]:
    """Simulate day by day and write one file per reporting day.

    With ctx.jobs > 1 the formatting (the slow part) runs in worker processes while the
    main process simulates the next days; at most jobs + 1 days are in flight, so memory
    stays bounded. Each file depends only on its own batch, so output is identical for
    any number of jobs.
    """
    out_dir = ctx.kind_dir("chat-events")
    for stale in out_dir.glob("chat_events_*.jsonl"):
        stale.unlink()  # a shorter window must not leave older days behind
    pop = Population(ctx)
    layout = Layout(ctx)
    days = file_batches(ctx, pop, layout)

    def job(day: date, batch: Batch) -> tuple[Path, DemoContext, Layout, date, Batch, np.ndarray]:
        path = out_dir / f"chat_events_{day.isoformat()}.jsonl"
        return path, ctx, layout, day, batch, pop.platform[batch.user]

    if ctx.jobs <= 1:
        return {"chat-events": sum(_write_file(*job(day, batch)) for day, batch in days)}
    total = 0
    pending: deque[Future[int]] = deque()
    with ProcessPoolExecutor(max_workers=ctx.jobs, mp_context=mp.get_context("fork")) as pool:
        for day, batch in days:
            pending.append(pool.submit(_write_file, *job(day, batch)))
            while len(pending) > ctx.jobs:
                total += pending.popleft().result()
        while pending:
            total += pending.popleft().result()
    return {"chat-events": total}
