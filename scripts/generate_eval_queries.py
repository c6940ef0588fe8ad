"""Generate a ChatBI evaluation dataset from the design document's dictionaries.

    python scripts/generate_eval_queries.py --count 50 --seed 7 --out eval.json
        [--reference-date 2025-05-20] [--dataset-id ID] [--simulate-values]
        [--llm --variants 3 --model NAME]

Each question combines one time condition (seeds/chatbi_biz_date_list.csv, only
expressions scripts/time_range.py resolves at the reference date), one fixed condition
(chatbi_fixed_conditions), one dynamic condition (chatbi_dynamic_conditions or
chatbi_random_value_fields) and 2-4 metrics (chatbi_query_indicators), with the
generation prompt's sorting/calculation variants, variation factors and role
perspectives (weights as in the prompt). The output is a dataset file for
`scripts/load.py eval-dataset`: {"dataset_id", "reference_date", "generator", "samples"};
expected_result is filled from the parts used. Expected values are left empty for the
reference SQL to fill, unless --simulate-values writes plausible ones.

Offline by default. --llm rewrites each question into --variants variants with the
design document's variation prompt through an OpenAI-compatible endpoint
(OPENAI_BASE_URL, OPENAI_API_KEY; model from --model, CHATBI_LLM_MODEL or OPENAI_MODEL);
each variant becomes a sample with the same expected_result (variant_of = the original).

Exit codes: 0 ok; 2 usage error (an unusable --out, a --reference-date outside 1970-2999,
--llm without a model) or the file could not be written; 4 written, but some questions
could not be rewritten (their originals are kept; reasons printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402

from chatwh.chatbi.dictionaries import load_dictionaries  # noqa: E402
from chatwh.chatbi.generation import generate_samples, llm_variants  # noqa: E402
from chatwh.chatbi.llm import LLMConfig, LLMError, OpenAICompatibleClient, model_from_env  # noqa: E402
from chatwh.cli import STORED_YEARS, non_negative_int, output_file, positive_float, positive_int, stored_date, write_problem  # noqa: E402

EXIT_PARTIAL = 4
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=positive_int, required=True, help="questions to compose")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=output_file, required=True, help="dataset JSON file to write")
    parser.add_argument(
        "--reference-date",
        type=stored_date,
        default=None,
        help=f"the day the questions are asked (YYYY-MM-DD, years {STORED_YEARS[0]}-{STORED_YEARS[1]}; default today)",
    )
    parser.add_argument("--dataset-id", default=None, help="dataset id (default generated-<seed>)")
    parser.add_argument("--simulate-values", action="store_true", help="fill expected_values with plausible simulated numbers")
    parser.add_argument("--llm", action="store_true", help="also rewrite each question into variants through the LLM")
    parser.add_argument("--variants", type=positive_int, default=3, help="variants per question with --llm (default 3)")
    parser.add_argument("--model", help="chat model for --llm (default env CHATBI_LLM_MODEL or OPENAI_MODEL)")
    parser.add_argument("--timeout", type=positive_float, default=60.0, help="seconds per LLM request (default 60)")
    parser.add_argument("--retries", type=non_negative_int, default=3, help="retries per LLM request (default 3)")
    args = parser.parse_args(argv)

    reference = args.reference_date or date.today()
    samples = generate_samples(args.count, args.seed, reference, load_dictionaries(), simulate_values=args.simulate_values)
    failures: list[str] = []
    if args.llm:
        model = args.model or model_from_env("CHATBI_LLM_MODEL", "OPENAI_MODEL")
        if not model:
            parser.error("--llm needs --model or env CHATBI_LLM_MODEL / OPENAI_MODEL")
        originals = list(samples)
        next_id = len(originals) + 1
        with (
            OpenAICompatibleClient(LLMConfig.from_env(timeout_s=args.timeout, max_retries=args.retries)) as client,
            Progress(console=console) as progress,
        ):
            task = progress.add_task("rewriting", total=len(originals))
            for sample in originals:
                try:
                    rewrites = llm_variants(client, model, sample["query"], args.variants)
                except (LLMError, ValueError) as exc:
                    failures.append(f"sample {sample['sample_id']}: {exc}")
                    rewrites = []
                for text in rewrites:
                    samples.append(
                        {
                            "sample_id": next_id,
                            "query": text,
                            "expected_result": sample["expected_result"],
                            "variant_of": sample["sample_id"],
                            "generation": {**sample["generation"], "llm_model": model},
                        }
                    )
                    next_id += 1
                progress.advance(task)
    document = {
        "dataset_id": args.dataset_id or f"generated-{args.seed}",
        "reference_date": reference.isoformat(),
        "generator": {"tool": "scripts/generate_eval_queries.py", "seed": args.seed, "count": args.count, "llm": bool(args.llm)},
        "samples": samples,
    }
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2)
    except OSError as exc:  # what the check of --out could not foresee (a full disk, say)
        errors.print(f"generate_eval_queries: {write_problem(args.out, exc)}", soft_wrap=True)
        return 2
    for message in failures[:20]:
        errors.print(f"generate_eval_queries: {message}")
    console.print(f"generate_eval_queries: wrote {len(samples)} samples ({args.count} composed) to {args.out}")
    return EXIT_PARTIAL if failures else 0


if __name__ == "__main__":
    sys.exit(main())
