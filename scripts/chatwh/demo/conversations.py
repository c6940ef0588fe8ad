"""Demo Chainlit audit logs, LLM-judge ratings and answer feedback.

Writes, for every reporting day of the window:

- DIR/conversation-logs/conversations_YYYY-MM-DD.jsonl — the basic handler's lines
  (`timestamp`, `user_input`, `model_response`, `metadata{...}`), and
  DIR/conversation-logs/enhanced_logs_YYYY-MM-DD.jsonl — `EnhancedLogEntry` lines. Each
  bot's front end logs one form, but a tenth of every file is in the other form (a
  rollout in progress), a few lines come from the monitor's handler (only
  `metadata.response_time`, no message id, model or bot) and a few are malformed
  (truncated JSON, `response_time: "N/A"`), as real logs are;
- DIR/quality-judgements/judgements_YYYY-MM-DD.jsonl — an LLM judge rating a sample;
- DIR/feedback/feedback_push_YYYY-MM-DD.json — the SDK's bulk push form
  (`[{"cmd": "add", "fields": {...}}]`, cmd in mixed case), and
  DIR/feedback/feedback_events_YYYY-MM-DD.jsonl — one event per line: likes and
  dislikes with problem codes and expect texts, reactions switched minutes later,
  events re-sent in both files, reactions to request ids that were never logged, users
  known only by a device id, and the feedback document's own goods / click events.

The world follows context.MODEL_PROFILES. Response times are log-normal per model,
calibrated against dbt var slow_answer_seconds (read from dbt_project.yml): most answers
are fast and a tail is slow, a model's slow share growing with its reply latency —
deepseek-v3 is the slow model (about a quarter of its answers slow), the others about one
in ten, some 15 % overall; longer answers take a little longer. llama-3.1-8b refuses and
answers in a word far more often (poor and fair ratings, dislikes). One bot has an
upstream incident (30 s timeouts, empty answers) for five hours in the middle of the
window, which fires error-rate and response-time alerts then; nothing is at error level
at the end. The feedback files also carry other behaviour events (goods exposures,
clicks, collects, carts, purchases) from many users, as the feedback document's
recommendation examples do.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any

from ..project import var
from .context import DemoBot, DemoContext, DemoModel

# Hour-of-day weights (reporting-local time): a morning rise, lunch, an evening peak.
HOURLY = (1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.2, 3.8, 4.0, 4.1,
          4.4, 4.0, 3.8, 3.9, 4.1, 4.4, 5.0, 6.1, 7.0, 7.4, 6.4, 3.6)  # fmt: skip
CONVERSATION_SHARE = 0.6  # logged conversations per chat-funnel user turn (see volume())

# Questions by interest tag. {n}, {x} are filled in; the same short questions come back
# often (the top-questions mart groups their spellings).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "学习辅导": (
        "这道题怎么做：{n}x+3=15",
        "帮我解释一下勾股定理",
        "英语作文开头怎么写",
        "如何提高数学成绩",
        "帮我写一首关于春天的诗",
        "文言文翻译：学而时习之",
        "如果每天背50个单词，一个月能背多少",
    ),
    "知识问答": ("为什么天空是蓝色的", "介绍一下量子计算", "黑洞是怎么形成的", "光速是多少", "世界上最高的山是哪座", "长城有多长"),
    "旅行出行": ("周末去杭州怎么玩", "去日本旅游要带什么", "北京到上海高铁多久", "推荐几个海边城市", "帮我做一个三天的成都行程"),
    "情感陪伴": ("我最近压力很大怎么办", "晚上总是失眠睡不着", "你好", "和朋友吵架了怎么和好", "今天心情不好，陪我聊聊"),
    "娱乐闲聊": ("讲个笑话", "给我讲个故事", "如果我有超能力会怎样", "你好", "推荐一部好看的电影", "帮我写诗，主题是月亮"),
    "职场效率": ("帮我写一封请假邮件", "周报怎么写", "如何做好时间管理", "Excel怎么做数据透视表", "帮我润色这段话：{x}"),
    "编程助手": (
        "Python代码报错 KeyError 怎么办",
        "如何部署 Flask 应用",
        "怎么安装 numpy",
        "配置 nginx 反向代理",
        "这段代码有bug吗：for i in range({n}) print(i)",
        "Git 怎么回滚提交",
        "Docker 部署步骤",
    ),
    "健康养生": ("每天喝多少水合适", "膝盖疼怎么办", "怎样提高睡眠质量", "感冒了吃什么好", "跑步前要热身吗"),
}
# Spellings of the same question: full-width letters and digits, punctuation, spaces, case.
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"}
ANSWER_OPENERS = ("好的，", "这是个好问题。", "简单来说，", "可以从以下几个方面来看：", "")
ANSWER_BODIES = (
    "首先要明确目标，其次分步骤执行，最后检查结果并总结经验。",
    "第一步，准备好需要的材料；第二步，按照说明逐项操作；第三步，遇到问题及时记录并查找原因。",
    "这个问题涉及几个关键概念，理解它们之间的关系之后，答案就比较清楚了。",
    "建议你先从基础开始，每天坚持一点，循序渐进，效果会更好。",
    "根据常见的做法，可以参考下面的建议：保持规律作息，适量运动，注意饮食均衡。",
    "具体来说，可以先查看官方文档，再结合实际情况调整配置，最后验证是否生效。",
)
REFUSALS = ("抱歉，我无法回答这个问题。", "对不起我暂时没有相关信息。", "我不知道这个问题的答案。", "这个问题我无法回答，请换个问法试试。")
SHORT_ANSWERS = ("不知道。", "可以。", "是的", "好", "见上文")
ERRORS = ("upstream timeout after 30s", "vLLM server returned 503", "CUDA out of memory")
EXPECTS = ("希望回答更具体一些", "应该给出具体步骤", "不要编造数据", "希望有参考链接", "回答太啰嗦了", "答非所问，我问的是别的")
CARRIERS = ("中国移动", "中国联通", "中国电信")
CITIES = ((121.47, 31.23), (116.40, 39.90), (113.26, 23.13), (104.07, 30.67), (120.16, 30.27))
BIZ_ID = 1365378  # the feedback document's example business id
INCIDENT_BOT = "b_004"  # 暖心树洞 (a busy bot on two models): an upstream incident mid-window
INCIDENT_HOURS = range(13, 18)
# Response times: log-normal per model around a median below var slow_answer_seconds, so
# that a model's share of slow answers is SLOW_SHARE_PER_LATENCY_S × its reply latency
# (deepseek-v3 5.5 s → 27 %, llama-3.1-8b 1.8 s → 9 %), capped at MAX_SLOW_SHARE.
RESPONSE_SIGMA = 0.7
SLOW_SHARE_PER_LATENCY_S = 0.05
MAX_SLOW_SHARE = 0.4
# Longer answers take longer: × (length / TYPICAL_ANSWER_CHARS) ** LENGTH_EXPONENT.
TYPICAL_ANSWER_CHARS = 80
LENGTH_EXPONENT = 0.25


@dataclass(frozen=True)
class Conversation:
    message_id: str
    local_time: datetime
    bot: DemoBot
    model: str
    session_id: str
    user_index: int
    question: str
    answer: str
    response_time: float
    token_count: int
    outcome: str  # normal | short | refusal | empty | error
    true_rating: str
    safety: bool
    error: str | None


def volume(bot: DemoBot, scale: float) -> float:
    """Mean logged conversations per day: the bot's funnel user turns × a share."""
    return bot.daily_exposures * bot.click_rate * bot.chat_start_rate * bot.mean_turns * CONVERSATION_SHARE * scale


def slow_answer_seconds() -> float:
    """dbt var slow_answer_seconds: the marts call an answer slower than this "slow"."""
    return float(var("slow_answer_seconds"))


def response_median(profile: DemoModel, slow_seconds: float) -> float:
    """Median response time of a model: the one that puts its intended share above the threshold."""
    share = min(MAX_SLOW_SHARE, SLOW_SHARE_PER_LATENCY_S * profile.reply_latency_s)
    return slow_seconds * math.exp(-RESPONSE_SIGMA * NormalDist().inv_cdf(1.0 - share))


def _response_time(rng: random.Random, median: float, answer: str) -> float:
    length = max(len(answer), 4) / TYPICAL_ANSWER_CHARS
    return max(0.1, median * length**LENGTH_EXPONENT * rng.lognormvariate(0.0, RESPONSE_SIGMA))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _respell(rng: random.Random, text: str) -> str:
    """The same question typed another way (full-width, punctuation, spaces, case)."""
    roll = rng.random()
    if roll < 0.55:
        return text
    if roll < 0.70:
        return text + rng.choice(("？", "?", "。", "！", " "))
    if roll < 0.80:
        return "".join(FULL_WIDTH.get(c, c) for c in text)
    if roll < 0.90:
        return text.upper() if text.isascii() else text.replace("，", ", ") + " "
    return "  " + text.lower()


def _question(rng: random.Random, bot: DemoBot) -> str:
    tag = rng.choice(bot.tags)
    template = rng.choice(QUESTIONS.get(tag, QUESTIONS["知识问答"]))
    text = template.format(n=rng.randint(2, 9), x=rng.choice(("这个方案很好", "项目进展顺利", "明天开会")))
    return _respell(rng, text)


def _rating(quality: float, outcome: str) -> str:
    if outcome in ("empty", "error", "short"):
        return "poor"
    if outcome == "refusal":
        return "fair"
    return "excellent" if quality > 0.86 else "good" if quality > 0.68 else "fair" if quality > 0.5 else "poor"


def _article_estimate(question: str, answer: str) -> str:
    """The article's estimate_quality, word counts and all (what the enhanced app logs)."""
    if not answer or len(answer.strip()) < 5:
        return "poor"
    if any(indicator in answer for indicator in ("我不知道", "无法回答", "抱歉", "对不起我")):
        return "fair"
    if len(answer.split()) < len(question.split()) * 0.5:
        return "fair"
    return "good"


def simulate_day(ctx: DemoContext, day: date, day_index: int, slow_seconds: float | None = None) -> list[Conversation]:
    """The day's logged conversations; response times are calibrated against
    `slow_seconds` (default: dbt var slow_answer_seconds)."""
    rng = ctx.rng(f"conversations:{day.isoformat()}")
    threshold = slow_answer_seconds() if slow_seconds is None else slow_seconds
    medians = {name: response_median(profile, threshold) for name, profile in ctx.model_profiles.items()}
    incident = ctx.days >= 3 and day_index == ctx.days // 2
    cdf, total = [], 0.0
    for weight in HOURLY:
        total += weight
        cdf.append(total)
    conversations: list[Conversation] = []
    for bot in ctx.bots:
        if bot.created_at is not None and bot.created_at.date() > day:
            continue
        for _ in range(_poisson(rng, volume(bot, ctx.scale))):
            draw = rng.random() * total
            hour = next(h for h, c in enumerate(cdf) if c >= draw)
            local = datetime(day.year, day.month, day.day, hour) + timedelta(seconds=rng.randrange(3600), microseconds=rng.randrange(10**6))
            model = rng.choices(bot.models, weights=bot.weights)[0]
            profile = ctx.model_profiles[model]
            refuse_p = 0.16 if profile.quality < 0.7 else 0.03
            short_p = 0.10 if profile.quality < 0.7 else 0.02
            in_incident = incident and bot.bot_id == INCIDENT_BOT and hour in INCIDENT_HOURS
            roll = rng.random()
            if in_incident and roll < 0.45:
                outcome = "error" if roll < 0.3 else "empty"
            elif roll < 0.004:
                outcome = "error"
            elif roll < 0.012:
                outcome = "empty"
            elif roll < 0.012 + refuse_p:
                outcome = "refusal"
            elif roll < 0.012 + refuse_p + short_p:
                outcome = "short"
            else:
                outcome = "normal"
            question = _question(rng, bot)
            if outcome == "normal":
                parts = rng.randint(1, 3)
                answer = rng.choice(ANSWER_OPENERS) + "".join(rng.choice(ANSWER_BODIES) for _ in range(parts))
            elif outcome == "refusal":
                answer = rng.choice(REFUSALS)
            elif outcome == "short":
                answer = rng.choice(SHORT_ANSWERS)
            elif outcome == "error":
                answer = rng.choice(("", "服务暂时不可用，请稍后再试。"))
            else:
                answer = ""
            error = rng.choice(ERRORS) if outcome == "error" else None
            if error and error.startswith("upstream timeout"):
                seconds = 30.0 + rng.uniform(0, 0.5)
            else:
                seconds = _response_time(rng, medians[model], answer)
            quality = min(1.0, max(0.0, rng.gauss(profile.quality, 0.12)))
            conversations.append(
                Conversation(
                    message_id=_uuid(rng),
                    local_time=local,
                    bot=bot,
                    model=model,
                    session_id=f"cl-{rng.getrandbits(48):012x}",
                    user_index=rng.randrange(ctx.user_count),
                    question=question,
                    answer=answer,
                    response_time=round(seconds, 3),
                    token_count=max(0, round(len(answer) * rng.uniform(0.6, 0.9))),
                    outcome=outcome,
                    true_rating=_rating(quality, outcome),
                    safety=rng.random() < (0.01 if profile.quality < 0.7 else 0.002),
                    error=error,
                )
            )
    conversations.sort(key=lambda c: c.local_time)
    return conversations


def _basic(c: Conversation, ctx: DemoContext) -> dict[str, Any]:
    line: dict[str, Any] = {
        "timestamp": c.local_time.isoformat(),
        "user_input": c.question,
        "model_response": c.answer,
        "metadata": {
            "session_id": c.session_id,
            "message_id": c.message_id,
            "response_time": c.response_time,
            "token_count": c.token_count,
            "model_name": c.model,
        },
        "bot_id": c.bot.bot_id,
        "user_id": ctx.user_id(c.user_index),
    }
    if c.error:
        line["error"] = c.error
    return line


def _enhanced(c: Conversation, ctx: DemoContext) -> dict[str, Any]:
    rating = _article_estimate(c.question, c.answer)
    line: dict[str, Any] = {
        "timestamp": c.local_time.isoformat(),
        "session_id": c.session_id,
        "message_id": c.message_id,
        "user_input": c.question,
        "input_length": len(c.question),
        "input_category": None,
        "model_response": c.answer,
        "response_length": len(c.answer),
        "response_time": c.response_time,
        "token_count": c.token_count,
        "quality_rating": rating,
        "confidence_score": 0.8,
        "has_safety_issue": c.safety,
        "model_name": c.model,
        "model_version": c.model.rsplit("-", 1)[-1],
        "bot_id": c.bot.bot_id,
        "user_id": ctx.user_id(c.user_index),
    }
    if c.error:
        line["error"] = c.error
    return line


def _monitor(c: Conversation) -> dict[str, Any]:
    """The monitor's handler: save_conversation_log(q, a, {response_time}) only."""
    return {
        "timestamp": c.local_time.isoformat(),
        "user_input": c.question,
        "model_response": c.answer,
        "metadata": {"response_time": c.response_time},
    }


def _json(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False)


MALFORMED_LINES = 2  # the cut line and the "N/A" timing


def write_logs(ctx: DemoContext, day: date, conversations: list[Conversation], malformed: bool) -> int:
    rng = ctx.rng(f"conversation-log-forms:{day.isoformat()}")
    basic_lines: list[str] = []
    enhanced_lines: list[str] = []
    for c in conversations:
        # Even catalogue positions run the enhanced handler, odd ones the basic one;
        # a tenth of the lines are the other form, a few the monitor's.
        enhanced_bot = ctx.bots.index(c.bot) % 2 == 0
        roll = rng.random()
        if roll < 0.005:
            (enhanced_lines if enhanced_bot else basic_lines).append(_json(_monitor(c)))
            continue
        use_enhanced = enhanced_bot != (roll < 0.1)
        line = _enhanced(c, ctx) if use_enhanced else _basic(c, ctx)
        (enhanced_lines if enhanced_bot else basic_lines).append(_json(line))
    # Two rejects in a file the validation step holds to dq_max_reject_share: a small
    # demo (--scale 0.1, ~30 lines a file) gets none rather than a failing check.
    if malformed and basic_lines and MALFORMED_LINES <= float(var("dq_max_reject_share")) * (len(basic_lines) + MALFORMED_LINES):
        # A line cut off mid-write and a client that logged "N/A" for a failed timing.
        basic_lines.insert(len(basic_lines) // 2, basic_lines[len(basic_lines) // 2][:57])
        probe = json.loads(basic_lines[-1])
        if "metadata" in probe:
            probe["metadata"]["response_time"] = "N/A"
            probe["metadata"]["message_id"] = _uuid(rng)
            basic_lines.append(_json(probe))
    folder = ctx.kind_dir("conversation-logs")
    written = 0
    for name, lines in (
        (f"conversations_{day.isoformat()}.jsonl", basic_lines),
        (f"enhanced_logs_{day.isoformat()}.jsonl", enhanced_lines),
    ):
        if lines:
            (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            written += len(lines)
    return written


def write_judgements(ctx: DemoContext, day: date, conversations: list[Conversation]) -> int:
    rng = ctx.rng(f"judgements:{day.isoformat()}")
    order = ("excellent", "good", "fair", "poor")
    lines: list[str] = []
    for c in conversations:
        if rng.random() >= 0.06:
            continue
        rating = c.true_rating
        if rng.random() < 0.15:  # a judge is not always right
            rating = order[min(3, max(0, order.index(rating) + rng.choice((-1, 1))))]
        judged = datetime(day.year, day.month, day.day) + timedelta(days=1, hours=3, seconds=rng.randrange(0, 3600))
        lines.append(
            _json(
                {
                    "message_id": c.message_id,
                    "judge_model": "qwen2.5-72b-judge-v1",
                    "quality_rating": rating,
                    "confidence_score": round(rng.uniform(0.55, 0.97), 2),
                    "judged_at": judged.isoformat(),
                    "rationale": "根据准确性、完整性和相关性评分",
                }
            )
        )
    if lines:
        (ctx.kind_dir("quality-judgements") / f"judgements_{day.isoformat()}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def _device(rng: random.Random, user_index: int) -> dict[str, Any]:
    """Device fields of one user (stable per user: seeded by the user index)."""
    d = random.Random(user_index * 7919 + 17)
    lng, lat = d.choice(CITIES)
    android = d.random() < 0.7
    return {
        "sdk_type": "opensearch_sdk",
        "sdk_version": "3.2.0",
        "app_version": d.choice(("2.8.1", "2.9.0", "3.0.2")),
        "os": "android" if android else "ios",
        "os_version": d.choice(("12", "13", "14")) if android else d.choice(("16.7", "17.4")),
        "brand": d.choice(("Xiaomi", "HUAWEI", "OPPO", "vivo")) if android else "Apple",
        "device_model": d.choice(("23127PN0CC", "ALN-AL00", "PHB110")) if android else d.choice(("iPhone15,2", "iPhone16,1")),
        "resolution": d.choice(("1080x2400", "1440x3200", "1179x2556")),
        "carrier": d.choice(CARRIERS),
        "access": rng.choice(("wifi", "4g", "5g")),
        "access_subtype": rng.choice(("wifi", "LTE", "NR")),
        "language": "zh-CN",
        "ip": f"10.{d.randrange(256)}.{d.randrange(256)}.{d.randrange(1, 255)}",
        "mac": ":".join(f"{d.randrange(256):02X}" for _ in range(6)),
        "imei": f"86{d.randrange(10**12, 10**13)}",
        "phone_md5": hashlib.md5(f"139{d.randrange(10**8):08d}".encode()).hexdigest(),
        "longitude": f"{lng + d.uniform(-0.2, 0.2):.4f}",
        "latitude": f"{lat + d.uniform(-0.2, 0.2):.4f}",
    }


def _event(
    rng: random.Random,
    ctx: DemoContext,
    c: Conversation | None,
    rn: str,
    user_index: int,
    bhv: str,
    at: datetime,
    item_type: str,
    codes: list[Any] | None = None,
    expect: str | None = None,
) -> dict[str, Any]:
    utc = at - timedelta(hours=ctx.reporting_offset_hours)
    epoch = int((utc - datetime(1970, 1, 1)).total_seconds())
    fields: dict[str, Any] = {
        "user_id": ctx.user_id(user_index),
        "biz_id": BIZ_ID,
        "trace_id": "Alibaba",
        "rn": rn,
        "item_id": "0" if item_type != "doc" else str(rng.randrange(1, 6)),
        "item_type": item_type,
        "bhv_type": bhv,
        "bhv_time": str(epoch),
        "reach_time": str(epoch + rng.randint(0, 3)),
        "login": "1",
        "session_id": c.session_id if c else f"cl-{rng.getrandbits(48):012x}",
        "spm": f"1.{rng.randint(1, 3)}.{rng.randint(1, 9)}.{rng.randint(1, 20)}",
        "report_src": rng.choice(("1", "2", "3")),
        "bhv_detail": f"page=chat,position={rng.randint(1, 5)}",
        **_device(rng, user_index),
    }
    if rng.random() < 0.1:  # not logged in: the event carries only the device id
        del fields["user_id"]
        fields["login"] = "0"
    else:
        del fields["imei"]
    if codes is not None or expect is not None:
        value = {"code": codes or [], "expect": expect or ""}
        # The schema types bhv_value as STRING holding JSON; some clients send the object.
        fields["bhv_value"] = json.dumps(value, ensure_ascii=False) if rng.random() < 0.7 else value
    return fields


def _dislike_codes(rng: random.Random, c: Conversation) -> list[Any]:
    if rng.random() < 0.2:
        return []
    if c.safety:
        pool = [3.1, 3.3, 3.2]
    elif c.outcome == "refusal":
        pool = [1.1, 2.5]
    elif c.outcome in ("empty", "short", "error"):
        pool = [2.5, 2.6, 1.1]
    else:
        pool = [2.1, 2.2, 2.3, 2.4, 2.5, 2.6]
    codes: list[Any] = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))
    if rng.random() < 0.02:
        codes.append(rng.choice((4.1, "9.9")))  # a code the document does not define
    if rng.random() < 0.3:
        codes = [str(code) for code in codes]
    return codes


def write_feedback(ctx: DemoContext, day: date, conversations: list[Conversation]) -> int:
    rng = ctx.rng(f"feedback:{day.isoformat()}")
    push: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for c in conversations:
        if rng.random() >= 0.09:
            continue
        profile = ctx.model_profiles[c.model]
        like_p = {"excellent": 0.92, "good": 0.78, "fair": 0.4, "poor": 0.12}[c.true_rating] * (0.7 + 0.4 * profile.quality)
        item_type = rng.choices(("text_response", "doc", "all"), weights=(0.87, 0.1, 0.03))[0]
        at = c.local_time + timedelta(seconds=c.response_time + rng.uniform(5, 240))
        user = c.user_index
        events: list[dict[str, Any]] = []
        if rng.random() < like_p:
            events.append(_event(rng, ctx, c, c.message_id, user, "like", at, item_type))
            if rng.random() < 0.05:  # changed their mind after reading further
                later = at + timedelta(seconds=rng.uniform(30, 900))
                events.append(
                    _event(rng, ctx, c, c.message_id, user, "dislike", later, item_type, _dislike_codes(rng, c), rng.choice(EXPECTS))
                )
        else:
            expect = rng.choice(EXPECTS) if rng.random() < 0.3 else None
            events.append(_event(rng, ctx, c, c.message_id, user, "dislike", at, item_type, _dislike_codes(rng, c), expect))
            if rng.random() < 0.05:
                events.append(_event(rng, ctx, c, c.message_id, user, "like", at + timedelta(seconds=rng.uniform(30, 900)), item_type))
        # The app SDK pushes in bulk for even bots; the web front end posts one event a line.
        target = push if ctx.bots.index(c.bot) % 2 == 0 else lines
        target.extend(events)
        if rng.random() < 0.01:  # a retry re-sent the event through the other channel
            (lines if target is push else push).extend(events)
    # Reactions to answers that were never logged (another front end, a lost log line).
    for _ in range(max(1, len(conversations) // 400)):
        at = datetime(day.year, day.month, day.day, rng.randrange(8, 23), rng.randrange(60))
        lines.append(
            _event(rng, ctx, None, _uuid(rng), rng.randrange(ctx.user_count), rng.choice(("like", "dislike")), at, "text_response")
        )
    push.extend(_other_events(rng, ctx, day, conversations))
    folder = ctx.kind_dir("feedback")
    cmds = ("add", "ADD", "Add")
    if push:
        documents = [{"cmd": cmds[i % 3], "fields": fields} for i, fields in enumerate(push)]
        (folder / f"feedback_push_{day.isoformat()}.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    if lines:
        (folder / f"feedback_events_{day.isoformat()}.jsonl").write_text("\n".join(_json(e) for e in lines) + "\n", encoding="utf-8")
    return len(push) + len(lines)


def _other_events(rng: random.Random, ctx: DemoContext, day: date, conversations: list[Conversation]) -> list[dict[str, Any]]:
    """The feedback document's recommendation events of the same business: goods and items
    exposed to users of the day, some clicked, a few collected, carted, bought or
    commented on, and liked — one short chain per user (the document's own example user
    among them), so the other-events mart counts many users."""
    chatting = sorted({c.user_index for c in conversations})
    users = rng.sample(chatting, k=min(len(chatting), max(4, len(chatting) // 12)))
    users += [rng.randrange(ctx.user_count) for _ in range(max(1, len(users) // 4))]  # users who did not chat that day
    offset = timedelta(hours=ctx.reporting_offset_hours)
    events: list[dict[str, Any]] = []

    def add(user_id: str, item: tuple[str, str], bhv: str, at: datetime) -> None:
        epoch = int((at - offset - datetime(1970, 1, 1)).total_seconds())
        events.append(
            {
                "user_id": user_id,
                "biz_id": BIZ_ID,
                "rn": f"17010736621679{rng.randrange(10**10):010d}",
                "trace_id": "Alibaba",
                "item_id": item[0],
                "item_type": item[1],
                "bhv_type": bhv,
                "bhv_time": str(epoch),
                "reach_time": str(epoch + rng.randint(0, 2)),
            }
        )

    for user_id in ["1120021255", *(ctx.user_id(u) for u in users)]:
        at = datetime(day.year, day.month, day.day, rng.randrange(8, 23), rng.randrange(60), rng.randrange(60))
        item = (str(rng.choice((2223, 358713, rng.randrange(1000, 9999)))), "goods" if rng.random() < 0.8 else "item")
        add(user_id, item, "expose", at)
        if rng.random() < 0.55:
            at += timedelta(seconds=rng.randint(2, 40))
            add(user_id, item, "click", at)
            for bhv, p in (("like", 0.2), ("collect", 0.15), ("cart", 0.12), ("comment", 0.04)):
                if rng.random() < p:
                    at += timedelta(seconds=rng.randint(5, 300))
                    add(user_id, item, bhv, at)
                    if bhv == "cart" and rng.random() < 0.4:
                        add(user_id, item, "buy", at + timedelta(seconds=rng.randint(30, 900)))
    return events


# The day files this generator writes, per kind (paths() and the stale-file sweep).
DAY_FILES = {
    "conversation-logs": ("conversations_*.jsonl", "enhanced_logs_*.jsonl"),
    "quality-judgements": ("judgements_*.jsonl",),
    "feedback": ("feedback_push_*.json", "feedback_events_*.jsonl"),
}


def remove_stale_files(ctx: DemoContext) -> None:
    """Delete this generator's day files left by an earlier run in the same folder.

    A second `make demo` a day later (or with fewer --days) would otherwise land the
    previous window's oldest days too, and a day with no line of a form keeps the old
    run's file: the quality and feedback marts would then hold days the funnel has not.
    """
    for kind, patterns in DAY_FILES.items():
        folder = ctx.out_dir / kind
        for pattern in patterns:
            for stale in folder.glob(pattern):
                stale.unlink()


def write(ctx: DemoContext) -> dict[str, int]:
    counts = {"conversation-logs": 0, "quality-judgements": 0, "feedback": 0}
    remove_stale_files(ctx)
    for day_index, day in enumerate(ctx.dates):
        conversations = simulate_day(ctx, day, day_index)
        # Malformed lines on two days only: enough to see rejects, not to drown them.
        malformed = day_index in (0, ctx.days // 3)
        counts["conversation-logs"] += write_logs(ctx, day, conversations, malformed)
        counts["quality-judgements"] += write_judgements(ctx, day, conversations)
        counts["feedback"] += write_feedback(ctx, day, conversations)
    return counts


def paths(out_dir: Path) -> list[Path]:
    """Every file this generator writes under a landing folder (for tests and cleanup)."""
    return sorted(p for kind in ("conversation-logs", "quality-judgements", "feedback") for p in (out_dir / kind).glob("*") if p.is_file())
