"""Score how close a ChatBI run's answers are to the expected ones, and land the scores.

    python scripts/score_similarity.py --run-id RUN [--scorer tfidf-char] [--target NAME]
    python scripts/score_similarity.py --run-id RUN --scorer openai-embedding --model bge-m3
    python scripts/score_similarity.py --run-id RUN --scorer openai-judge --model qwen2.5-72b-instruct

Reads the run's answers and the dataset's expected texts from the raw tables (landed by
`scripts/load.py eval-dataset` and `eval-results`), scores each pair, writes the score
rows as JSONL (--out, default warehouse/similarity/<run>__<scorer>__<time>.jsonl) and
lands them with the `similarity` loader kind (same guarantees as `scripts/load.py`).
Pairs the scorer already scored for this run are skipped.

Compared texts: the expected description (given in the dataset, or composed from the
expected time range, filters, metrics and values) with the answer (the assistant's
description plus its predicted values; `--text description` uses the description only
and records the scorer as `<scorer>@description`).

Scorers: tfidf-char (offline, no download), openai-embedding and openai-judge (any
OpenAI-compatible endpoint: OPENAI_BASE_URL, OPENAI_API_KEY; the model from --model, else
CHATBI_EMBEDDING_MODEL / CHATBI_JUDGE_MODEL, else OPENAI_MODEL). Requests are batched
(--batch-size texts per embeddings request), time out after --timeout seconds and are
retried --retries times with backoff; a rich progress bar shows the pairs done.

Exit codes: 0 every pair scored and landed; 2 usage error (an unusable --out too),
warehouse unreachable, run not found, no model configured or the JSONL file could not be
written; 4 some pairs could not be scored (the others were written
and landed; the reasons are printed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from chatwh.chatbi.llm import LLMConfig, OpenAICompatibleClient, model_from_env  # noqa: E402
from chatwh.chatbi.similarity import EmbeddingScorer, JudgeScorer, ScoreBatchResult, Scorer, TfidfCharScorer  # noqa: E402
from chatwh.cli import non_negative_int, output_file, output_file_problem, positive_float, positive_int, write_problem  # noqa: E402
from chatwh.connection import Warehouse, WarehouseError, connect  # noqa: E402
from chatwh.kinds import all_kinds  # noqa: E402
from chatwh.loading.runner import load_file  # noqa: E402
from chatwh.project import PROJECT_DIR, ProfileError, raw_schema  # noqa: E402

EXIT_PARTIAL = 4
SCORERS = ("tfidf-char", "openai-embedding", "openai-judge")

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-id", required=True, help="run to score (raw chatbi_eval_results.run_id)")
    parser.add_argument("--scorer", choices=SCORERS, default="tfidf-char", help="default tfidf-char (offline)")
    parser.add_argument(
        "--model", help="embedding or judge model (default: env CHATBI_EMBEDDING_MODEL / CHATBI_JUDGE_MODEL / OPENAI_MODEL)"
    )
    parser.add_argument(
        "--text", choices=("answer", "description"), default="answer", help="what of the prediction to compare (default answer)"
    )
    parser.add_argument("--batch-size", type=positive_int, default=32, help="texts per embeddings request (default 32)")
    parser.add_argument("--timeout", type=positive_float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--retries", type=non_negative_int, default=3, help="retries per request on timeout/429/5xx (default 3)")
    parser.add_argument("--backoff", type=float, default=0.5, help="first retry delay in seconds, doubled each time (default 0.5)")
    parser.add_argument("--out", type=output_file, help="JSONL file to write (default warehouse/similarity/...)")
    parser.add_argument("--no-load", action="store_true", help="only write the JSONL file")
    parser.add_argument("--target", help="profiles.yml target (default: the profile's default target)")
    args = parser.parse_args(argv)
    if args.out is None:  # the default folder too, before the warehouse is read and the pairs scored
        problem = output_file_problem(_default_out(args.run_id, "x"))
        if problem:
            parser.error(f"cannot write the scores to the default place: {problem} (give --out)")
    return args


def fetch_pairs(wh: Warehouse, run_id: str, text: str) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """(pairs of the run, expected texts of each dataset the run covers) from the raw tables."""
    schema = raw_schema()
    results, samples = wh.relation(schema, "chatbi_eval_results"), wh.relation(schema, "chatbi_eval_samples")
    if not (wh.table_exists(schema, "chatbi_eval_results") and wh.table_exists(schema, "chatbi_eval_samples")):
        return [], {}
    predicted = "r.answer_text" if text == "answer" else "r.query_logic_description"
    columns, rows = wh.fetch_table(
        f"""
        select r.run_id, r.dataset_id, r.sample_id, s.expected_description, {predicted} as predicted_text
        from {results} as r
        inner join {samples} as s
            on s.dataset_id = r.dataset_id and s.sample_id = r.sample_id
        where r.run_id = :run_id
        order by r.dataset_id, r.sample_id
        """,
        {"run_id": run_id},
    )
    pairs = [dict(zip(columns, row)) for row in rows]
    if not pairs:
        return [], {}
    corpus_rows = wh.fetchall(
        f"select dataset_id, expected_description from {samples} where dataset_id in (select dataset_id from {results} where run_id = :run_id)",
        {"run_id": run_id},
    )
    corpora: dict[str, list[str]] = {}
    for dataset_id, expected in corpus_rows:
        corpora.setdefault(str(dataset_id), []).append(str(expected or ""))
    return pairs, corpora


def already_scored(wh: Warehouse, run_id: str, scorer: str) -> set[tuple[str, str]]:
    schema = raw_schema()
    if not wh.table_exists(schema, "chatbi_similarity_scores"):
        return set()
    rows = wh.fetchall(
        f"select dataset_id, sample_id from {wh.relation(schema, 'chatbi_similarity_scores')} where run_id = :run_id and scorer = :scorer",
        {"run_id": run_id, "scorer": scorer},
    )
    return {(str(d), str(s)) for d, s in rows}


def build_scorers(args: argparse.Namespace, corpora: dict[str, list[str]]) -> tuple[dict[str, Scorer], OpenAICompatibleClient | None]:
    """The scorer of each dataset: tfidf-char is fitted on that dataset's own expected texts, so a
    pair scores the same whatever else its run covers; the API scorers are shared."""
    if args.scorer == "tfidf-char":
        return {dataset_id: TfidfCharScorer(corpus) for dataset_id, corpus in corpora.items()}, None
    env_names = ("CHATBI_EMBEDDING_MODEL", "OPENAI_MODEL") if args.scorer == "openai-embedding" else ("CHATBI_JUDGE_MODEL", "OPENAI_MODEL")
    model = args.model or model_from_env(*env_names)
    if not model:
        raise ValueError(f"--scorer {args.scorer} needs --model or one of the env vars {', '.join(env_names)}")
    client = OpenAICompatibleClient(LLMConfig.from_env(timeout_s=args.timeout, max_retries=args.retries, backoff_s=args.backoff))
    scorer: Scorer = (
        EmbeddingScorer(client, model, batch_size=args.batch_size) if args.scorer == "openai-embedding" else JudgeScorer(client, model)
    )
    return dict.fromkeys(corpora, scorer), client


def score_by_dataset(
    scorers: dict[str, Scorer], todo: list[dict[str, str]], texts: list[tuple[str, str]], progress: Callable[[int], None]
) -> ScoreBatchResult:
    """Scores in the order of `todo`, each dataset's pairs scored together by that dataset's scorer."""
    result = ScoreBatchResult([None] * len(todo))
    groups: dict[str, list[int]] = {}
    for index, pair in enumerate(todo):
        groups.setdefault(str(pair["dataset_id"]), []).append(index)
    for dataset_id, indexes in groups.items():
        part = scorers[dataset_id].score([texts[i] for i in indexes], progress)
        for index, score in zip(indexes, part.scores):
            result.scores[index] = score
        result.errors.extend(part.errors if len(groups) == 1 else [f"dataset {dataset_id}: {e}" for e in part.errors])
    return result


def _default_out(run_id: str, scorer: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{run_id}__{scorer}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return PROJECT_DIR / "warehouse" / "similarity" / f"{safe}__{stamp}.jsonl"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with connect(args.target) as wh:  # read, then release the warehouse while scoring
            pairs, corpora = fetch_pairs(wh, args.run_id, args.text)
            if not pairs:
                errors.print(f"score_similarity: run {args.run_id!r} has no answers to samples of a loaded dataset")
                return 2
            try:
                scorers, client = build_scorers(args, corpora)
            except ValueError as exc:
                errors.print(f"score_similarity: {exc}")
                return 2
            scorer = next(iter(scorers.values()))  # every dataset's scorer has the same name and model
            scorer_name = scorer.name if args.text == "answer" else f"{scorer.name}@description"
            done = already_scored(wh, args.run_id, scorer_name)
    except (ProfileError, WarehouseError) as exc:
        errors.print(f"score_similarity: {exc}")
        return 2

    todo = [p for p in pairs if (str(p["dataset_id"]), str(p["sample_id"])) not in done]
    if not todo:
        console.print(f"score_similarity: every answer of {args.run_id} already has a {scorer_name} score; nothing to do")
        return 0
    texts = [(str(p["expected_description"] or ""), str(p["predicted_text"] or "")) for p in todo]
    with Progress(
        TextColumn(f"[bold]{scorer_name}[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False
    ) as progress:
        task = progress.add_task("scoring", total=len(texts))
        try:
            result = score_by_dataset(scorers, todo, texts, lambda n: progress.advance(task, n))
        finally:
            if client is not None:
                client.close()

    scored_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [
        {
            "run_id": p["run_id"],
            "dataset_id": p["dataset_id"],
            "sample_id": p["sample_id"],
            "scorer": scorer_name,
            "score": score,
            "scorer_model": scorer.model,
            "expected_text": expected,
            "predicted_text": predicted,
            "scored_at": scored_at,
        }
        for p, (expected, predicted), score in zip(todo, texts, result.scores)
        if score is not None
    ]
    failed = len(todo) - len(rows)
    for message in result.errors[:20]:
        errors.print(f"score_similarity: {message}")
    if rows:
        out = args.out or _default_out(args.run_id, scorer_name)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        except OSError as exc:  # what the check of --out could not foresee (a full disk, say)
            errors.print(f"score_similarity: {write_problem(out, exc)}; nothing was landed", soft_wrap=True)
            return 2
        console.print(f"score_similarity: wrote {len(rows)} scores to {out}")
        if not args.no_load:
            try:
                with connect(args.target) as wh:
                    loaded = load_file(wh, all_kinds()["similarity"], str(out))
            except (ProfileError, WarehouseError) as exc:
                errors.print(f"score_similarity: scores written but not landed: {exc}")
                return 2
            console.print(f"similarity: read={loaded.rows_read} loaded={loaded.rows_loaded} rejected={loaded.rows_rejected}")
    mean = sum(r["score"] for r in rows) / len(rows) if rows else None
    console.print(
        f"score_similarity: run={args.run_id} scorer={scorer_name} pairs={len(todo)} scored={len(rows)} failed={failed}"
        + (f" mean={mean:.4f}" if mean is not None else ""),
        soft_wrap=True,
    )
    return EXIT_PARTIAL if failed else 0


if __name__ == "__main__":
    sys.exit(main())
