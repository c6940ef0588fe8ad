"""Demo ChatBI evaluation (issue 5): a dataset, two runs of a simulated assistant, scores.

Writes
  DIR/eval-dataset/chatbi_eval_dataset.json   the design document's own example (sample 1,
                                              its reference date in May 2025) plus questions
                                              composed from the seed dictionaries with
                                              simulated expected values (reference date =
                                              the demo's end date);
  DIR/eval-results/chatbi_run_<model>.json    one run per model (the weaker default model,
                                              then the better one a few hours later);
  DIR/similarity/chatbi_similarity_<run>.jsonl  offline tfidf-char scores of each run.

The simulated assistant makes the mistakes the design document lists, more often for a
weaker model (DemoModel.quality): a misread time range (a shifted month, an exclusive
upper bound that drops the last day), a comparison of two periods (two expected ranges,
each stated with its own clauses) answered for the first period only, another store or a negated filter, a filter value
inside another word, a missing or an extra metric, a repeated metric or sentence, and
wrong numbers; right numbers carry extra decimals that round to the expected ones. Units
in metric names (综合毛利(万元)) and synonyms (销量) appear too — they are not mistakes.
The first run also carries the vendor's own evaluation_metrics with the document's
alternative error spellings (数值偏差(错误), 字段缺失), which land as reported_* columns.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..chatbi.dictionaries import load_dictionaries
from ..chatbi.generation import generate_samples
from ..chatbi.records import prepare_result, prepare_sample
from ..chatbi.similarity import TfidfCharScorer
from ..chatbi.time_range import resolve
from ..project import PROJECT_DIR
from .context import DemoContext

DATASET_ID = "chatbi-demo"
SEED_EXAMPLE = PROJECT_DIR / "tests" / "fixtures" / "chatbi" / "seed_example.json"
OTHER_STORES = ("北京望京店", "上海虹桥店", "北京草桥二店")
SYNONYMS = {"采购量": "收车量", "检测量": "检测数", "上架量": "上架数", "线索量": "线索数", "采购金额": "采购额"}
UNITS = {"Amount": "(万元)", "Rate": "(%)"}


def _seed_example() -> dict[str, Any]:
    with open(SEED_EXAMPLE, encoding="utf-8") as handle:
        example = json.load(handle)
    # The example's 上个月 is April 2025: it was asked in May 2025.
    return {**example, "reference_date": "2025-05-20"}


def _models(ctx: DemoContext) -> tuple[str, str]:
    names = list(ctx.models) or list(ctx.model_profiles)
    better = max(names, key=lambda m: ctx.model_profiles[m].quality)
    weaker = next((m for m in names if m != better), better)
    return weaker, better


def _date_clauses(rng: random.Random, start: date, end: date, p_mistake: float) -> tuple[list[str], bool]:
    """Clauses stating the range, and whether they misstate it."""
    if rng.random() < p_mistake:
        if rng.random() < 0.5:  # an exclusive bound that drops the last day
            return [f"日期大于等于{start.isoformat()}", f"日期小于{end.isoformat()}"], True
        shift = timedelta(days=rng.choice((-1, 1)) * (30 if (end - start).days >= 27 else 1))
        return [f"日期大于等于{(start + shift).isoformat()}", f"日期小于等于{(end + shift).isoformat()}"], True
    form = rng.random()
    if form < 0.5:
        return [f"日期大于等于{start.isoformat()}", f"日期小于等于{end.isoformat()}"], False
    if form < 0.8:
        return [f"日期大于等于{start.isoformat()}", f"日期小于{(end + timedelta(days=1)).isoformat()}"], False
    return [f"日期在{start.isoformat()}到{end.isoformat()}之间"], False


def _answer(
    rng: random.Random, sample: dict[str, Any], reference: date, quality: float, units: dict[str, str], indicators: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A simulated prediction for one sample, and the vendor's view of its own mistakes."""
    expected = sample["expected_result"]
    p = 1.0 - quality
    clauses: list[str] = []
    conditions_total = conditions_ok = 0
    for position, expression in enumerate(expected["expected_time_range"]):
        conditions_total += 1
        if position > 0 and rng.random() < p * 0.3:  # a comparison answered for one period only
            continue
        found = resolve(expression, reference)
        stated, wrong = _date_clauses(rng, found.start, found.end, p * 0.8)
        clauses += stated
        conditions_ok += 0 if wrong else 1
    fixed, dynamic = expected["expected_filters"][0], expected["expected_filters"][1]
    fixed_field = sample.get("generation", {}).get("fixed_field", "门店名称")
    dynamic_field = sample.get("generation", {}).get("dynamic_field", "条件")
    roll = rng.random()
    if roll < p * 0.25:
        clauses.append(f"{fixed_field}等于{rng.choice(OTHER_STORES)}")
    elif roll < p * 0.4:
        clauses.append(f"{fixed_field}不等于{fixed}")
    else:
        clauses.append(f"{fixed_field}等于{fixed}")
        conditions_ok += 1
    roll = rng.random()
    if roll < p * 0.2:
        clauses.append(f"{dynamic_field}等于非{dynamic}")
    elif roll >= p * 0.3:  # between the two: the condition is forgotten
        clauses.append(f"{dynamic_field}等于{dynamic}")
        conditions_ok += 1
    conditions_total += 2

    metrics = list(expected["expected_metrics"])
    values = {v.rsplit(" ", 1)[0]: v.rsplit(" ", 1)[1] for v in expected["expected_values"]}
    dropped = None
    if len(metrics) > 2 and rng.random() < p * 0.5:
        dropped = metrics.pop(rng.randrange(len(metrics)))
    predicted, wrong_values = [], 0
    for name in metrics:
        text = values[name].rstrip("%")
        decimals = len(text.split(".")[1]) if "." in text else 0
        number = float(text)
        if rng.random() < p * 0.45:
            number *= 1 + rng.choice((-1, 1)) * rng.uniform(0.03, 0.2)
            wrong_values += 1
        else:  # right after rounding to the expected decimals
            number += rng.uniform(-0.45, 0.45) * 10**-decimals
        shown = SYNONYMS.get(name, name) if rng.random() < 0.15 else name
        shown += units.get(name, "") if rng.random() < 0.5 else ""
        predicted.append({"metric_name": shown, "value_unit": indicators.get(name, "Volume"), "value_list": [f"{number:.{decimals + 2}f}"]})
    extra = rng.random() < p * 0.3
    if extra:
        predicted.append({"metric_name": "在售车源量", "value_unit": "Volume", "value_list": [str(rng.randint(100, 600))]})
    repeated = bool(predicted) and rng.random() < p * 0.2
    if repeated:
        predicted.append(dict(predicted[0]))
    description = (
        f"我们在“车源采购”主题下，筛选出{'、'.join(clauses)}的数据;按照月份分组;计算{'、'.join(p_['metric_name'] for p_ in predicted)}"
        + (";计算结果已按门店汇总;计算结果已按门店汇总" if rng.random() < p * 0.1 else "")
    )
    answered = len(metrics)
    errors = []
    if conditions_ok < conditions_total:
        errors.append("条件理解错误")
    if dropped:
        errors.append("字段缺失")
    if wrong_values or dropped:
        errors.append("数值偏差(错误)")
    if repeated and not wrong_values and not dropped:
        errors.append("格式冗余")
    asked = len(expected["expected_metrics"])
    vendor = {
        "field_match_accuracy": round(answered / (answered + (1 if extra else 0)), 4),
        "result_coverage": round(answered / asked, 4),
        "condition_match_accuracy": round(conditions_ok / conditions_total, 4),
        "value_accuracy": round((answered - wrong_values) / asked, 4),
        "error_types": errors,
    }
    return {"query_logic_description": description, "predicted_values": predicted}, vendor


def write(ctx: DemoContext) -> dict[str, int]:
    rng = ctx.rng("chatbi-eval")
    reference = ctx.end_date
    count = max(24, int(round(48 * min(ctx.scale, 2.0))))
    generated = generate_samples(count, rng.randrange(2**31), reference, load_dictionaries(), simulate_values=True)
    samples = [_seed_example()] + [{**s, "sample_id": s["sample_id"] + 1} for s in generated]
    dataset = {"dataset_id": DATASET_ID, "reference_date": reference.isoformat(), "samples": [_strip_answer(s) for s in samples]}
    dataset_path = ctx.kind_dir("eval-dataset") / "chatbi_eval_dataset.json"
    _dump(dataset_path, dataset)

    prepared_samples = {
        str(s["sample_id"]): prepare_sample(s, {"dataset_id": DATASET_ID, "reference_date": reference.isoformat()}, {}) for s in samples
    }
    scorer = TfidfCharScorer([p["expected_description"] for p in prepared_samples.values()])
    indicators = {i.name: i.value_unit for i in load_dictionaries().indicators}
    units = {name: UNITS[unit] for name, unit in indicators.items() if unit in UNITS}
    written = {"eval-dataset": len(samples), "eval-results": 0, "similarity": 0}
    local = timedelta(hours=ctx.reporting_offset_hours)
    for order, model in enumerate(_models(ctx)):
        run_rng = ctx.rng(f"chatbi-eval-run:{model}")
        run_at = datetime.combine(reference, time(10 + 5 * order)) - local
        run_id = f"chatbi-{model}-{reference.isoformat()}"
        quality = ctx.model_profiles[model].quality
        results = []
        for sample in samples:
            if "predicted_result" in sample:  # the design document's example: its own answer
                results.append(
                    {
                        "sample_id": sample["sample_id"],
                        "predicted_result": sample["predicted_result"],
                        "evaluation_metrics": sample["evaluation_metrics"],
                    }
                )
                continue
            sample_reference = date.fromisoformat(sample.get("reference_date", reference.isoformat()))
            predicted, vendor = _answer(run_rng, sample, sample_reference, quality, units, indicators)
            result: dict[str, Any] = {"sample_id": sample["sample_id"], "predicted_result": predicted}
            if order == 0:
                result["evaluation_metrics"] = vendor
            results.append(result)
        run = {
            "run_id": run_id,
            "model": model,
            "run_at": run_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dataset_id": DATASET_ID,
            "results": results,
        }
        _dump(ctx.kind_dir("eval-results") / f"chatbi_run_{model}.json", run)
        written["eval-results"] += len(results)

        pairs, keys = [], []
        for result in results:
            prepared = prepare_result(result, run, {}, str(dataset_path))
            pairs.append((prepared_samples[prepared["sample_id"]]["expected_description"], prepared["answer_text"]))
            keys.append(prepared["sample_id"])
        scores = scorer.score(pairs).scores
        scored_at = (run_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = ctx.kind_dir("similarity") / f"chatbi_similarity_{model}.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for sample_id, (expected_text, predicted_text), score in zip(keys, pairs, scores):
                row = {"run_id": run_id, "dataset_id": DATASET_ID, "sample_id": sample_id, "scorer": scorer.name, "score": score,
                       "scorer_model": None, "expected_text": expected_text, "predicted_text": predicted_text, "scored_at": scored_at}  # fmt: skip
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        written["similarity"] += len(keys)
    return written


def _strip_answer(sample: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sample.items() if k not in ("predicted_result", "evaluation_metrics")}


def _dump(path: Path, document: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
