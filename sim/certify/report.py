"""The certificate and its report: ``certificate.json`` for machines, ``report.md`` and a
self-contained ``report.html`` (plots inline as PNG) for people.

Both reports open with the verdict and the reason for it, then the checks with failed mandatory
ones first, then the plots, the runs and the provenance. Nothing in them depends on the wall
clock, so the same evidence gives the same files.
"""
from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from sim.certify import plots
from sim.certify.checks import CheckResult, failed_first, verdict, verdicts
from sim.certify.evidence import Evidence
from sim.certify.profile import Profile


@dataclass(frozen=True)
class Plot:
    name: str
    title: str
    figure: Figure


def reason(results: list[CheckResult]) -> str:
    """Why the verdict is what it is: every mandatory check passed, or which failed (first first)."""
    mandatory = verdicts(results)
    failed = [r for r in failed_first(mandatory) if not r.passed]
    if not failed:
        return f"all {len(mandatory)} mandatory checks passed."
    names = ", ".join(r.id for r in failed)
    return f"{len(failed)} of {len(mandatory)} mandatory checks failed: {names}."


def golden_note(ev: Evidence, results: list[CheckResult]) -> dict[str, Any]:
    """The regression check apart: which outputs changed since they were last reviewed."""
    row = next((r for r in results if r.id == "golden"), None)
    if ev.golden is None or row is None:
        return {"checked": False, "note": "golden outputs not compared (--no-golden or not in the profile)"}
    if not row.available:
        return {"checked": False, "note": str(row.measured.get("not_available"))}
    changed = list(row.measured.get("changed", []))
    note = (f"{len(changed)} of {row.measured['goldens']} golden outputs changed since they were last reviewed: "
            f"{', '.join(changed)} (review the diff in golden.json; after an intended change: violet-sim golden update)"
            if changed else f"all {row.measured['goldens']} golden outputs as last reviewed")
    return {"checked": True, "changed": changed, "note": note}


def verdict_line(ev: Evidence, results: list[CheckResult]) -> str:
    """The verdict as people read it: a GO on generated recorded trades says it is a rehearsal."""
    said = verdict(results)
    return f"{said} ({ev.recorded.rehearsal})" if said == "GO" and ev.recorded.rehearsal else said


def certificate(profile: Profile, ev: Evidence, results: list[CheckResult], prov: dict[str, Any]) -> dict[str, Any]:
    return {
        "verdict": verdict(results),
        "verdict_line": verdict_line(ev, results),
        "rehearsal": ev.recorded.rehearsal is not None,
        "reason": reason(results),
        "profile": {"name": profile.name, "title": profile.title},
        "failed": [r.id for r in failed_first(results) if not r.passed and not r.regression],
        "golden": golden_note(ev, results),
        "checks": [r.as_dict() for r in results],
        "runs": [{"scenario": r.name, "file": r.file, "role": r.role, "seed": r.summary.seed,
                  "scans": r.summary.scans_in, "trades": r.summary.trades,
                  "journal_sha256": r.summary.journal_sha256, "dir": ev.rel(r.dir)} for r in ev.runs],
        "provenance": prov,
    }


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items()) or "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.9g}"
    return "-" if value is None else str(value)


def _mark(r: CheckResult) -> str:
    if r.passed:
        return "PASS"
    return "FAIL" if r.available else "N/A"


def _plots(ev: Evidence, profile: Profile) -> list[Plot]:
    margin = profile.checks.margin_3x
    v4 = ev.runs_in("v4") or ev.runs
    return [
        Plot("conviction", "Conviction vs vel_div with the recorded median curve", plots.conviction_curve(ev)),
        Plot("equity", "Equity curve and drawdown", plots.equity_drawdown(ev)),
        Plot("margin", "Margin use histogram",
             plots.margin_histogram(ev, margin.max_margin_utilization if margin else None)),
        Plot("faults", "Fault-coverage matrix (fault class x reached / survived)", plots.fault_matrix(ev)),
        Plot("timeline", f"Trade timeline ({v4[0].name})", plots.trade_timeline(v4[0])),
    ]


def _markdown(cert: dict[str, Any], results: list[CheckResult], images: list[tuple[Plot, str]]) -> str:
    prov = cert["provenance"]
    lines = [f"# Certification {cert['profile']['name']}: {cert['verdict_line']}", "",
             f"**{cert['verdict_line']}: {cert['reason']}**", "",
             f"Golden (regression, not part of the verdict): {cert['golden']['note']}.", "",
             cert["profile"]["title"], "",
             f"Commit `{prov['project']['commit']}`, config hash `{prov['config_hash'][:16]}`, "
             f"data hash `{prov['data_hash'][:16]}`, recorded trades: {prov['recorded_trades']['origin']}.", "",
             "## Checks", "", "| result | check | mandatory | threshold | measured | evidence |",
             "|---|---|---|---|---|---|"]
    for r in failed_first(results):
        cells = [_mark(r), f"**{r.id}**: {r.title}", "yes" if r.mandatory else "no", _cell(r.threshold),
                 _cell(r.measured), ", ".join(r.evidence[:3])]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", "## Plots", ""]
    for plot, path in images:
        lines += [f"### {plot.title}", "", f"![{plot.title}]({path})", ""]
    lines += ["## Runs", "", "| scenario | role | seed | scans | trades | journal sha256 |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r['scenario']} | {r['role']} | {r['seed']} | {r['scans']} | {r['trades']} | "
              f"`{r['journal_sha256'][:16]}` |" for r in cert["runs"]]
    lines += ["", "## Provenance", "", "```json", json.dumps(prov, indent=2), "```", ""]
    return "\n".join(lines)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1180px; color: #222; }
.verdict { font-size: 2.4em; font-weight: bold; padding: .4em .6em; border-radius: 6px; color: white; }
.GO { background: #2a7; } .NO-GO { background: #c33; }
table { border-collapse: collapse; width: 100%; font-size: 0.88em; margin: 1em 0; }
table.checks { table-layout: fixed; }
table.checks col.result { width: 4.5em; } table.checks col.mandatory { width: 6em; }
table.checks col.check { width: 17%; } table.checks col.evidence { width: 21%; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f2f2f2; }
td.PASS { color: #1a6; font-weight: bold; } td.FAIL { color: #c33; font-weight: bold; }
td.N\\/A { color: #a60; font-weight: bold; }
img { max-width: 100%; border: 1px solid #ddd; margin: .5em 0 1.5em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }
code { font-size: 0.9em; }
"""


def _html(cert: dict[str, Any], results: list[CheckResult], images: list[tuple[Plot, bytes]]) -> str:
    e = html.escape
    prov = cert["provenance"]
    rows = "\n".join(
        f"<tr><td class=\"{_mark(r)}\">{_mark(r)}</td><td><b>{e(r.id)}</b><br>{e(r.title)}</td>"
        f"<td>{'yes' if r.mandatory else 'no'}</td><td>{e(_cell(r.threshold))}</td><td>{e(_cell(r.measured))}</td>"
        f"<td>{'<br>'.join(e(p) for p in r.evidence[:4])}</td></tr>" for r in failed_first(results))
    figures = "\n".join(f"<h3>{e(p.title)}</h3>\n<img alt=\"{e(p.title)}\" "
                        f"src=\"data:image/png;base64,{base64.b64encode(data).decode()}\">" for p, data in images)
    runs = "\n".join(f"<tr><td>{e(r['scenario'])}</td><td>{e(r['role'])}</td><td>{r['seed']}</td>"
                     f"<td>{r['scans']}</td><td>{r['trades']}</td><td><code>{r['journal_sha256'][:16]}</code></td></tr>"
                     for r in cert["runs"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certification {e(cert['profile']['name'])}: {cert['verdict']}</title>
<style>{_CSS}</style></head>
<body>
<div class="verdict {cert['verdict']}">{e(cert['verdict_line'])}</div>
<p><b>{e(cert['verdict_line'])}: {e(cert['reason'])}</b></p>
<p>Golden (regression, not part of the verdict): {e(cert['golden']['note'])}.</p>
<p>{e(cert['profile']['title'])}<br>
Commit <code>{e(prov['project']['commit'])}</code>, config hash <code>{prov['config_hash'][:16]}</code>,
data hash <code>{prov['data_hash'][:16]}</code>, recorded trades: {e(prov['recorded_trades']['origin'])}.</p>
<h2>Checks</h2>
<table class="checks"><colgroup><col class="result"><col class="check"><col class="mandatory"><col><col>
<col class="evidence"></colgroup>
<tr><th>result</th><th>check</th><th>mandatory</th><th>threshold</th><th>measured</th><th>evidence</th></tr>
{rows}
</table>
<h2>Plots</h2>
{figures}
<h2>Runs</h2>
<table><tr><th>scenario</th><th>role</th><th>seed</th><th>scans</th><th>trades</th><th>journal sha256</th></tr>
{runs}
</table>
<h2>Provenance</h2>
<pre>{e(json.dumps(prov, indent=2))}</pre>
</body></html>
"""


def write_reports(profile: Profile, ev: Evidence, results: list[CheckResult], prov: dict[str, Any]) -> dict[str, Any]:
    """Write the certificate, the plots and both reports under ``ev.out``; returns the certificate."""
    cert = certificate(profile, ev, results, prov)
    (ev.out / "certificate.json").write_text(json.dumps(cert, indent=2) + "\n")
    plot_dir = ev.out / "plots"
    plot_dir.mkdir(exist_ok=True)
    rendered = []
    for plot in _plots(ev, profile):
        data = plots.png(plot.figure)
        (plot_dir / f"{plot.name}.png").write_bytes(data)
        rendered.append((plot, data))
    (ev.out / "report.md").write_text(_markdown(cert, results, [(p, f"plots/{p.name}.png") for p, _ in rendered]))
    (ev.out / "report.html").write_text(_html(cert, results, rendered))
    return cert
