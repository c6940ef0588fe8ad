"""The shared demo world: dates, scale, seed, the bot catalogue and the models.

Every domain generator in chatwh/demo/ receives one `DemoContext` and draws its random
numbers from `ctx.rng(stream)` / `ctx.np_rng(stream)`, one independent deterministic
stream per name, so adding a generator never changes what another one writes.

The catalogue (`DEMO_BOTS`, `MODEL_PROFILES`) is the single source of truth for bots,
tags, business lines and how good each model is; later generators (conversation logs,
feedback, eval) read the same objects so their numbers agree with the chat events.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

# Interest/function tags (兴趣标签), in a fixed order: generators index them by position.
TAGS: tuple[str, ...] = (
    "学习辅导",
    "知识问答",
    "旅行出行",
    "情感陪伴",
    "娱乐闲聊",
    "职场效率",
    "编程助手",
    "健康养生",
)

BUSINESS_LINES: tuple[str, ...] = ("教育", "社交", "工具", "生活")

PLATFORMS: tuple[str, ...] = ("ios", "android", "web", "miniprogram")


@dataclass(frozen=True)
class DemoModel:
    """How a serving model behaves in the demo world.

    start_lift / depth_lift multiply a bot's chat-start rate and mean chat depth;
    reply_latency_s is the median seconds before a bot_message; quality is a 0-1
    answer-quality score other generators (feedback, eval) can use so that the model
    users chat longer with also gets better ratings.
    """

    name: str
    start_lift: float
    depth_lift: float
    reply_latency_s: float
    quality: float


MODEL_PROFILES: dict[str, DemoModel] = {
    m.name: m
    for m in (
        DemoModel("qwen2.5-7b-instruct", 1.00, 1.00, 2.2, 0.72),
        DemoModel("glm-4-9b-chat", 1.04, 1.05, 2.8, 0.74),
        # The visibly better model: bots that A/B it see more chats start and go deeper.
        DemoModel("deepseek-v3", 1.25, 1.30, 5.5, 0.86),
        DemoModel("llama-3.1-8b", 0.90, 0.85, 1.8, 0.64),
    )
}

MODELS: tuple[str, ...] = tuple(MODEL_PROFILES)


@dataclass(frozen=True)
class DemoBot:
    """One bot of the demo catalogue.

    The first six fields are the contract every generator relies on; the rest tune the
    funnel (at scale 1.0) and have defaults so tests can build a DemoBot by hand.
    `models` is the serving split: `model_weights[i]` of sessions go to `models[i]`.
    """

    bot_id: str
    bot_name: str
    business_line: str
    tags: tuple[str, ...]
    default_model: str
    models: tuple[str, ...]
    model_weights: tuple[float, ...] = ()
    daily_exposures: float = 300.0
    click_rate: float = 0.09
    chat_start_rate: float = 0.5
    mean_turns: float = 3.5
    # Launched this many days before the end date (None: long before the window).
    launched_days_before_end: int | None = None
    created_at: datetime | None = None

    @property
    def weights(self) -> tuple[float, ...]:
        if self.model_weights:
            return self.model_weights
        return tuple(1.0 / len(self.models) for _ in self.models)


DEMO_BOTS: tuple[DemoBot, ...] = (
    # Two flagship bots A/B test deepseek-v3 against their default model 50/50.
    DemoBot("b_001", "小鹿学习伴", "教育", ("学习辅导", "知识问答"), "qwen2.5-7b-instruct",
            ("qwen2.5-7b-instruct", "deepseek-v3"), (0.5, 0.5), 700, 0.11, 0.46, 4.5),
    DemoBot("b_002", "解题小能手", "教育", ("学习辅导",), "glm-4-9b-chat",
            ("glm-4-9b-chat",), (), 380, 0.09, 0.55, 3.5),
    DemoBot("b_003", "英语口语陪练", "教育", ("学习辅导", "旅行出行"), "llama-3.1-8b",
            ("llama-3.1-8b",), (), 260, 0.07, 0.50, 5.0),
    DemoBot("b_004", "暖心树洞", "社交", ("情感陪伴",), "glm-4-9b-chat",
            ("glm-4-9b-chat", "deepseek-v3"), (0.5, 0.5), 620, 0.13, 0.50, 6.0),
    DemoBot("b_005", "星座闲聊君", "社交", ("娱乐闲聊", "情感陪伴"), "qwen2.5-7b-instruct",
            ("qwen2.5-7b-instruct",), (), 340, 0.12, 0.58, 5.0),
    DemoBot("b_006", "段子手阿乐", "社交", ("娱乐闲聊",), "llama-3.1-8b",
            ("llama-3.1-8b",), (), 300, 0.10, 0.52, 3.0),
    DemoBot("b_007", "百科问不倒", "工具", ("知识问答",), "deepseek-v3",
            ("deepseek-v3",), (), 330, 0.08, 0.52, 2.2),
    # A canary rollout: 20 % of sessions on a second model.
    DemoBot("b_008", "职场写作助手", "工具", ("职场效率", "知识问答"), "qwen2.5-7b-instruct",
            ("qwen2.5-7b-instruct", "glm-4-9b-chat"), (0.8, 0.2), 300, 0.07, 0.60, 3.2),
    DemoBot("b_009", "代码小精灵", "工具", ("编程助手", "职场效率", "知识问答"), "deepseek-v3",
            ("deepseek-v3",), (), 220, 0.06, 0.55, 4.0),
    DemoBot("b_010", "周末去哪儿", "生活", ("旅行出行", "娱乐闲聊"), "glm-4-9b-chat",
            ("glm-4-9b-chat",), (), 240, 0.09, 0.45, 3.0),
    DemoBot("b_011", "健康小管家", "生活", ("健康养生", "知识问答"), "qwen2.5-7b-instruct",
            ("qwen2.5-7b-instruct",), (), 200, 0.06, 0.48, 2.8),
    # A new bot, live only for the last days of the window.
    DemoBot("b_012", "旅行翻译官", "生活", ("旅行出行", "学习辅导"), "llama-3.1-8b",
            ("llama-3.1-8b",), (), 180, 0.08, 0.50, 3.0, launched_days_before_end=9),
)  # fmt: skip


def stream_seed(seed: int, stream: str) -> int:
    """A 128-bit seed for one named stream (sha256, stable across runs and machines)."""
    digest = hashlib.sha256(f"chatwh-demo:{seed}:{stream}".encode()).digest()
    return int.from_bytes(digest[:16], "big")


@dataclass(frozen=True)
class DemoContext:
    out_dir: Path
    start_date: date
    end_date: date
    days: int
    scale: float
    seed: int
    bots: tuple[DemoBot, ...]
    models: tuple[str, ...]
    # Hours added to UTC for the reporting day (dbt var reporting_utc_offset_hours).
    reporting_offset_hours: float = 8.0
    model_profiles: dict[str, DemoModel] = field(default_factory=lambda: dict(MODEL_PROFILES))
    # Worker processes a generator may use for formatting; never changes the output.
    jobs: int = 1

    def rng(self, stream: str) -> random.Random:
        """An independent deterministic random stream for one domain (or day, or file)."""
        return random.Random(stream_seed(self.seed, stream))

    def np_rng(self, stream: str) -> np.random.Generator:
        """Like rng() but a numpy Generator, for vectorised generators."""
        return np.random.default_rng(stream_seed(self.seed, stream))

    @property
    def dates(self) -> list[date]:
        return [self.start_date + timedelta(days=i) for i in range(self.days)]

    @property
    def local_tz(self) -> timezone:
        return timezone(timedelta(hours=self.reporting_offset_hours))

    @property
    def user_count(self) -> int:
        """Size of the user population (u_000000 ...); grows with scale."""
        return max(500, round(30_000 * self.scale))

    @staticmethod
    def user_id(index: int) -> str:
        return f"u_{index:06d}"

    def bot(self, bot_id: str) -> DemoBot:
        for bot in self.bots:
            if bot.bot_id == bot_id:
                return bot
        raise KeyError(bot_id)

    def kind_dir(self, kind: str) -> Path:
        """DIR/<kind>/ of the landing folder (created), e.g. kind_dir('chat-events')."""
        path = self.out_dir / kind
        path.mkdir(parents=True, exist_ok=True)
        return path

    def with_scale(self, scale: float) -> DemoContext:
        return replace(self, scale=scale)


def _created_at(bot: DemoBot, index: int, start: date, end: date, tz: timezone, seed: int) -> datetime:
    rng = random.Random(stream_seed(seed, f"bot-created:{bot.bot_id}"))
    if bot.launched_days_before_end is not None:
        day = end - timedelta(days=bot.launched_days_before_end)
        clock = timedelta(hours=10, minutes=rng.randrange(0, 60))
    else:
        # Established bots went live months before the window, in catalogue order.
        day = start - timedelta(days=400 - 25 * index + rng.randrange(0, 10))
        clock = timedelta(hours=rng.randrange(9, 19), minutes=rng.randrange(0, 60))
    return datetime(day.year, day.month, day.day, tzinfo=tz) + clock


def build_context(
    out_dir: Path,
    end_date: date,
    days: int,
    scale: float,
    seed: int,
    reporting_offset_hours: float = 8.0,
    bots: tuple[DemoBot, ...] = DEMO_BOTS,
    jobs: int = 1,
) -> DemoContext:
    """The context for a window of `days` reporting days ending on `end_date`."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if scale <= 0:
        raise ValueError("scale must be positive")
    for bot in bots:
        unknown = [m for m in bot.models if m not in MODEL_PROFILES]
        if unknown or bot.default_model not in bot.models:
            raise ValueError(f"{bot.bot_id}: models must be known and include the default model")
        if bot.model_weights and len(bot.model_weights) != len(bot.models):
            raise ValueError(f"{bot.bot_id}: one weight per model")
    tz = timezone(timedelta(hours=reporting_offset_hours))
    try:
        start = end_date - timedelta(days=days - 1)
        end_date + timedelta(days=1)  # sessions run past midnight of the last day
        resolved = tuple(
            bot if bot.created_at is not None else replace(bot, created_at=_created_at(bot, i, start, end_date, tz, seed))
            for i, bot in enumerate(bots)
        )
    except OverflowError:
        raise ValueError(f"{days} days ending {end_date} (and the bots launched before them) reach past the calendar") from None
    models = tuple(m for m in MODELS if any(m in bot.models for bot in resolved))
    return DemoContext(
        out_dir=Path(out_dir),
        start_date=start,
        end_date=end_date,
        days=days,
        scale=scale,
        seed=seed,
        bots=resolved,
        models=models,
        reporting_offset_hours=reporting_offset_hours,
        jobs=jobs,
    )
