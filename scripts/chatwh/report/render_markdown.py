"""The Markdown version: the same sections, tiles as a table, charts left to the HTML."""

from __future__ import annotations

from .model import Report, TableBlock


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(block: TableBlock) -> list[str]:
    lines = [f"**{_cell(block.title)}**", ""]
    lines.append("| " + " | ".join(_cell(c) for c in block.columns) + " |")
    lines.append("|" + "|".join("---:" if a == "right" else "---" for a in block.align) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
    if block.note:
        lines += ["", f"_{block.note}_"]
    return lines + [""]


def render_markdown(report: Report) -> str:
    day = report.report_date.isoformat()
    lines = [
        f"# 对话系统日报 - {day}",
        "",
        f"Chatbot daily report for {day} · target {report.target} ({report.dialect}) · generated {report.generated_at.strftime('%Y-%m-%d %H:%M UTC')}",
        "",
    ]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        if section.intro:
            lines += [section.intro, ""]
        if section.no_data:
            lines += [f"> **{section.no_data}**", ""]
        else:
            if section.tiles:
                lines += ["| 指标 Metric | " + day + " | previous day | change |", "|---|---:|---:|---:|"]
                lines += [f"| {_cell(t.label)} | {t.value} | {t.previous} | {t.change} |" for t in section.tiles]
                lines.append("")
            if section.bullets:
                lines += [f"- {b}" for b in section.bullets] + [""]
            if section.charts:
                lines += ["Charts (HTML version): " + ", ".join(c.title for c in section.charts), ""]
            for block in section.tables:
                lines += _table(block)
        lines += [f"_{note}_" for note in section.notes]
        if section.notes:
            lines.append("")
        if section.sources:
            lines += [f"_Source: {', '.join(section.sources)}_", ""]
    lines += ["---", f"*报告生成时间: {report.generated_at.strftime('%Y-%m-%d %H:%M:%S')} UTC*", ""]
    return "\n".join(lines)
