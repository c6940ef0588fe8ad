"""Demo bot catalogue: DIR/bots/bots.csv (the `bots` loader kind)."""

from __future__ import annotations

import csv

from .context import DemoContext

COLUMNS = ("bot_id", "bot_name", "model_name", "business_line", "tags", "created_at")


def write(ctx: DemoContext) -> dict[str, int]:
    path = ctx.kind_dir("bots") / "bots.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for bot in ctx.bots:
            created = bot.created_at.isoformat(timespec="seconds") if bot.created_at else ""
            writer.writerow(
                (
                    bot.bot_id,
                    bot.bot_name,
                    bot.default_model,
                    bot.business_line,
                    "|".join(bot.tags),
                    created,
                )
            )
    return {"bots": len(ctx.bots)}
