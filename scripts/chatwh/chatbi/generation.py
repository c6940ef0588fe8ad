"""Compose ChatBI evaluation questions from the design document's dictionaries.

Follows the document's datasets_generate_prompt: every question has one time condition
(biz_date_list), one fixed condition (fixed_conditions), one dynamic condition
(dynamic_conditions or random_value_fields) and at least two metrics (query_indicators);
it may add a sorting (single/multi-metric, ascending/descending) or a calculation
(sum, difference, ratio, year-on-year/period-on-period) variant, one variation factor
(情感表达 0.3, 语法变异 0.2, 模糊查询 0.15, 极端案例 0.1, 复杂查询 0.25) and one role perspective
(采购专员 0.25, 销售代表 0.2, 运营分析师 0.2, 财务专员 0.15, 市场策划 0.1, 管理层 0.1).
`expected_result` is filled from the parts used: the time expression, the two condition
values, the metrics and — only with simulate_values — plausible values (the real ones
come from running the reference SQL). Only time expressions the time-range parser
resolves at the reference date are used, so every sample loads.

About COMPARISON_SHARE of the questions (never an extreme-case one) compare two periods
instead — 上个月 with the same month a year before (an explicit 2024年4月), 当月 with
去年的这个时候, 上个月 with 上上个月 — and expect both ranges: expected_time_range lists
the two expressions in the order asked (the loader resolves each; the condition checks
match each against a range the answer states on its own).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .dictionaries import Dictionaries, Indicator
from .llm import OpenAICompatibleClient, parse_json_reply
from .time_range import TimeRangeError, resolve

ROLES: tuple[tuple[str, float], ...] = (
    ("采购专员", 0.25),
    ("销售代表", 0.2),
    ("运营分析师", 0.2),
    ("财务专员", 0.15),
    ("市场策划", 0.1),
    ("管理层", 0.1),
)
FACTORS: tuple[tuple[str, float], ...] = (("情感表达", 0.3), ("语法变异", 0.2), ("模糊查询", 0.15), ("极端案例", 0.1), ("复杂查询", 0.25))
FACTOR_SUBTYPES = {
    "情感表达": ("积极", "消极", "中性"),
    "语法变异": ("口语化", "错别字", "省略句"),
    "模糊查询": ("约数", "范围", "不确定表达"),
    "极端案例": ("边界值", "异常情况"),
    "复杂查询": ("多条件长句",),
}
VARIANTS: tuple[tuple[str, float], ...] = (
    ("基本组合", 0.4),
    ("单指标排序", 0.12),
    ("多指标组合排序", 0.08),
    ("求和", 0.1),
    ("差值", 0.1),
    ("比率", 0.1),
    ("同比环比", 0.1),
)
EXTREME_CATEGORIES = ("边界值用例", "极端值/压力测试", "跨年/长期范围", "精确短区间")
COMPARISON_SHARE = 0.17  # of the questions that are not extreme cases (~15 % of all)
COMPARISON_CATEGORY = "两段对比"

_ROLE_OPENINGS = {
    "采购专员": ("作为采购专员，", "我这边负责收车，", "采购这边想确认一下，"),
    "销售代表": ("我是销售，", "卖车这边想了解一下，", "跟客户沟通前想先看看，"),
    "运营分析师": ("做运营周报用，", "从运营角度看，", "分析一下经营情况，"),
    "财务专员": ("财务这边核对一下，", "月底对账需要，", "算成本要用，"),
    "市场策划": ("做投放复盘，", "市场部想看看，", "策划活动前想了解，"),
    "管理层": ("老板想知道，", "给管理层汇报用，", "开经营会要用，"),
}
_VERBS = ("帮我查询", "查一下", "看看", "统计一下", "请给出")
_TYPOS = {"查询": "查寻", "情况": "请况", "一下": "一夏", "统计": "统记", "帮我": "帮窝"}


@dataclass(frozen=True)
class Composition:
    time_expression: str
    time_category: str
    fixed: tuple[str, str]
    dynamic: tuple[str, str]
    dynamic_source: str
    metrics: tuple[Indicator, ...]
    variant: str
    factor: str
    subtype: str
    role: str
    # A second period the question compares the first with (two expected time ranges).
    compared_with: str | None = None

    @property
    def time_expressions(self) -> list[str]:
        return [self.time_expression] + ([self.compared_with] if self.compared_with else [])


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options], k=1)[0]


def usable_time_expressions(dictionaries: Dictionaries, reference: date) -> list[tuple[str, str]]:
    """biz_date_list entries the parser resolves at the reference date."""
    usable = []
    for expression, category in dictionaries.biz_dates:
        try:
            resolve(expression, reference)
        except TimeRangeError:
            continue
        usable.append((expression, category))
    return usable


def comparison_pairs(reference: date) -> list[tuple[str, str]]:
    """Two periods asked together, each resolving at the reference date to its own,
    non-overlapping range: last month vs the same month a year before, this month so far
    vs the same days a year before, last month vs the month before."""
    last_month = reference.replace(day=1) - timedelta(days=1)
    pairs = [("上个月", f"{last_month.year - 1}年{last_month.month}月"), ("当月", "去年的这个时候"), ("上个月", "上上个月")]
    usable = []
    for first, second in pairs:
        try:
            a, b = resolve(first, reference), resolve(second, reference)
        except TimeRangeError:
            continue
        if a.end < b.start or b.end < a.start:
            usable.append((first, second))
    return usable


def compose(
    rng: random.Random, dictionaries: Dictionaries, times: list[tuple[str, str]], comparisons: list[tuple[str, str]] | None = None
) -> Composition:
    factor = _weighted(rng, FACTORS)
    extreme = [t for t in times if t[1] in EXTREME_CATEGORIES]
    natural = [t for t in times if t[1] == "自然语言描述"]
    compared_with = None
    if factor != "极端案例" and comparisons and rng.random() < COMPARISON_SHARE:
        (time_expression, compared_with), time_category = rng.choice(comparisons), COMPARISON_CATEGORY
    elif factor == "极端案例" and extreme:
        time_expression, time_category = rng.choice(extreme)
    elif natural and rng.random() < 0.6:
        time_expression, time_category = rng.choice(natural)
    else:
        time_expression, time_category = rng.choice(times)
    if rng.random() < 0.5:
        dynamic, source = rng.choice(dictionaries.dynamic_conditions), "dynamic_conditions"
    else:
        dynamic, source = rng.choice(dictionaries.random_value_fields), "random_value_fields"
    metrics = tuple(rng.sample(dictionaries.indicators, k=rng.choice((2, 2, 3, 4))))
    return Composition(
        time_expression=time_expression,
        time_category=time_category,
        fixed=rng.choice(dictionaries.fixed_conditions),
        dynamic=dynamic,
        dynamic_source=source,
        metrics=metrics,
        variant=_weighted(rng, VARIANTS),
        factor=factor,
        subtype=rng.choice(FACTOR_SUBTYPES[factor]),
        role=_weighted(rng, ROLES),
        compared_with=compared_with,
    )


def _metric_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def render(rng: random.Random, c: Composition) -> str:
    """The question text for a composition."""
    names = [m.name for m in c.metrics]
    field, value = c.dynamic
    condition = f"{field}为{value}"
    period = f"{c.time_expression}和{c.compared_with}" if c.compared_with else c.time_expression
    core = f"{period}{c.fixed[1]}{condition}的{_metric_list(names)}"
    variant = {
        "基本组合": "",
        "单指标排序": f"，按{names[0]}{rng.choice(('降序', '升序'))}排列",
        "多指标组合排序": f"，先按{names[0]}降序、再按{names[1]}升序排列",
        "求和": "，并给出合计",
        "差值": f"，并算一下{names[0]}和{names[1]}的差值",
        "比率": f"，以及{names[0]}占{names[1]}的比例",
        "同比环比": "，顺便看看同比和环比",
    }[c.variant]
    if c.compared_with:
        variant += rng.choice(("，两段时间对比一下", "，放在一起比较", "，分别列出来对比"))
    verb = rng.choice(_VERBS)
    opening = rng.choice(_ROLE_OPENINGS[c.role])
    question = f"{opening}{verb}{core}{variant}"
    if c.factor == "情感表达":
        question = (
            {"积极": "太好了，最近势头不错！", "消极": "急！数据好像不太对，", "中性": ""}[c.subtype]
            + question
            + ("？" if c.subtype != "积极" else "，谢谢！")
        )
    elif c.factor == "语法变异":
        if c.subtype == "口语化":
            question = f"{opening}帮我瞅瞅{core}{variant}呗，咋样？"
        elif c.subtype == "错别字":
            for right, wrong in _TYPOS.items():
                if right in question:
                    question = question.replace(right, wrong, 1)
                    break
            question += "？"
        else:  # 省略句
            question = f"{core}{variant}？"
    elif c.factor == "模糊查询":
        question += {"约数": "，大概多少就行", "范围": "，给个大致范围", "不确定表达": "，好像是这个口径吧，不太确定"}[c.subtype] + "？"
    elif c.factor == "复杂查询":
        context = (
            f"我们最近在复盘{c.fixed[1]}的经营情况，重点关注{condition}相关的车源，"
            f"下周要给区域做汇报，需要把数据口径先对齐：时间范围严格按{period}{'分别' if c.compared_with else ''}来算，"
            f"门店或大区口径按{c.fixed[0]}等于{c.fixed[1]}，不要把其他门店的数据混进来，"
            f"另外{field}只保留{value}这一类，指标一个都不能漏，结果请分指标逐项列出，"
            f"如果有口径上的特殊处理也请一并说明，方便我们和财务、运营两边核对。"
        )
        question = f"{context}{opening}{verb}{core}{variant}。"
        while len(question) <= 200:
            question += "麻烦尽快，谢谢。"
    else:  # 极端案例
        question += "？"
    return question


def simulated_value(rng: random.Random, indicator: Indicator) -> str:
    """A plausible store-month value, written with the indicator's decimals."""
    number = rng.uniform(indicator.typical_min, indicator.typical_max)
    text = f"{number:.{indicator.decimals}f}"
    return f"{indicator.name} {text}{'%' if indicator.value_unit == 'Rate' else ''}"


def generate_samples(
    count: int, seed: int, reference: date, dictionaries: Dictionaries, *, simulate_values: bool = False
) -> list[dict[str, Any]]:
    """`count` samples (sample_id 1..count), deterministic for (seed, reference date)."""
    rng = random.Random(seed)
    times = usable_time_expressions(dictionaries, reference)
    if not times:
        raise ValueError("no biz_date_list expression resolves at the reference date")
    comparisons = comparison_pairs(reference)
    samples = []
    for sample_id in range(1, count + 1):
        c = compose(rng, dictionaries, times, comparisons)
        question = render(rng, c)
        values = [simulated_value(rng, m) for m in c.metrics] if simulate_values else []
        samples.append(
            {
                "sample_id": sample_id,
                "query": question,
                "expected_result": {
                    "expected_time_range": c.time_expressions,
                    "expected_filters": [c.fixed[1], c.dynamic[1]],
                    "expected_metrics": [m.name for m in c.metrics],
                    "expected_values": values,
                },
                "generation": {
                    "role": c.role,
                    "factor": c.factor,
                    "subtype": c.subtype,
                    "variant": c.variant,
                    "time_category": c.time_category,
                    "fixed_field": c.fixed[0],
                    "dynamic_field": c.dynamic[0],
                    "dynamic_source": c.dynamic_source,
                    "values": "simulated" if simulate_values else "to be filled by the reference SQL",
                },
            }
        )
    return samples


# The design document's QuestionVariationGenerator.build_prompt, unchanged in substance.
VARIATION_SYSTEM = "你是一个NLP问题改写助手"
VARIATION_PROMPT = """
<prompt>
<task>根据提供的原始问题，生成多个表达方式不同但语义接近的问题变体。</task>
<role>你是一个数据分析支持助手，擅长将业务人员的问题转化为标准化、结构清晰的自然语言问句。</role>

<requirements>
<semantic>所有生成的问题应尽量保持原始问题的核心语义。</semantic>
<variation_rules>
<rule>1. 对原问题中的时间条件进行同义替换</rule>
<rule>2. 可以调整句式结构</rule>
<rule>3. 可以加入礼貌语气或弱化语气词</rule>
<rule>4. 可对整体问题进行润色</rule>
</variation_rules>
<output_format>请以 JSON 格式输出，结构如下：</output_format>
<output_schema>
{{
"original": "{original_question}",
"variants": ["变体1", "变体2", "..."]
}}
<note>注：只输出json格式的结果，不包含任何其他信息，如```json```等。</note>
</output_schema>
</requirements>

<example>
<q>本月销量及同环比各是多少？</q>
<output>
{{
"original": "本月销量及同环比各是多少？",
"variants": [
"帮我查一下当月销量和同环比是多少呢？",
"查一下这个月1号到现在的销量和同环比数据？",
"请提供一下本月销量及其同环比变化情况。",
"这月的销量数据和同比环比对比是多少？",
"想了解下月初到现在的销量和同环比，可以查一下吗？"
]
}}
</output>
</example>

请为以下原始问题生成{num_variations}个变体：
原始问题：{original_question}
</prompt>
"""


def llm_variants(client: OpenAICompatibleClient, model: str, question: str, count: int, temperature: float = 0.6) -> list[str]:
    """Rewrites of a question from the variation prompt (raises LLMError / ValueError)."""
    prompt = VARIATION_PROMPT.format(original_question=question, num_variations=count)
    reply = client.chat(
        model, [{"role": "system", "content": VARIATION_SYSTEM}, {"role": "user", "content": prompt}], temperature=temperature
    )
    parsed = parse_json_reply(reply)
    variants = parsed.get("variants") if isinstance(parsed, dict) else None
    if not isinstance(variants, list):
        raise ValueError("the reply has no 'variants' list")
    cleaned = [str(v).strip() for v in variants if str(v).strip() and str(v).strip() != question]
    return cleaned[:count]
