"""Study output: ``<name>.json`` for machines, ``<name>.png`` and a small ``<name>.html`` for people.

Figures are drawn on a bare ``matplotlib.figure.Figure`` (Agg canvas, no pyplot state) and saved
without the software stamp, so the same result gives the same files.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure


def _rows(prefix: str, value: Any) -> list[tuple[str, str]]:
    """Flatten scalars for the HTML table (lists are left to the JSON and the plot)."""
    if isinstance(value, dict):
        return [row for key, sub in value.items() for row in _rows(f"{prefix}.{key}" if prefix else key, sub)]
    if isinstance(value, list):
        return []
    return [(prefix, "" if value is None else str(value))]


def write_report(out_dir: str | Path, name: str, title: str, result: dict[str, Any], figure: Figure) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.json", out / f"{name}.png", out / f"{name}.html"]
    paths[0].write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    figure.savefig(paths[1], dpi=100, metadata={"Software": None})
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _rows("", result))
    paths[2].write_text(
        f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n<img src=\"{name}.png\" alt=\"{html.escape(title)}\">\n"
        f"<table>\n{table}\n</table>\n<p>Full result: <a href=\"{name}.json\">{name}.json</a></p>\n</body></html>\n")
    return paths
