"""`robust --report FILE.html`: one self-contained HTML page with the study's tables and figures.

Figures are inline SVG drawn here (no plotting library, no script, no network): the regret of each
strategy across the design points as box plots, and the design points over the two most decisive
parameters coloured by the winning strategy. The file is written next to its target and moved into
place, so a reader never sees half a report.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dilemma_sim import __version__

if TYPE_CHECKING:
    from dilemma_sim.batch.robust_result import RobustResult

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
"""Tableau 10: one colour per strategy, in order."""
CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
.note { color: #555; font-size: 0.9rem; }
svg text { font-size: 12px; fill: #222; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(x: float, digits: int = 1) -> str:
    return "–" if not np.isfinite(x) else f"{x:,.{digits}f}"


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def regret_svg(result: RobustResult) -> str:
    """Box plots of each strategy's regret (whiskers: min and max; box: quartiles; line: median)."""
    e = len(result.strategies)
    left, right, top, row = 170, 20, 20, 34
    width, height = 720, top + row * e + 40
    lo, hi = 0.0, max(1e-9, float(result.regret.max()))
    span = width - left - right

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * span

    parts = [f'<svg width="{width}" height="{height}" role="img">']
    parts.append(f"<title>Regret of each strategy across {len(result.points)} design points</title>")
    for t in _ticks(lo, hi):
        parts.append(
            f'<line x1="{x(t):.1f}" y1="{top - 5}" x2="{x(t):.1f}" y2="{top + row * e}" stroke="#eee"/>'
        )
        parts.append(f'<text x="{x(t):.1f}" y="{top + row * e + 16}" text-anchor="middle">{_n(t, 0)}</text>')
    for i, s in enumerate(result.strategies):
        r = result.regret[i]
        q0, q1, q2, q3, q4 = np.percentile(r, [0, 25, 50, 75, 100])
        cy = top + row * i + row / 2
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end">{_e(s.id)}</text>')
        parts.append(
            f'<line x1="{x(q0):.1f}" y1="{cy:.1f}" x2="{x(q4):.1f}" y2="{cy:.1f}" stroke="{color}"/>'
        )
        parts.append(
            f'<rect x="{x(q1):.1f}" y="{cy - 9:.1f}" width="{max(1.0, x(q3) - x(q1)):.1f}" height="18" '
            f'fill="{color}" fill-opacity="0.35" stroke="{color}"/>'
        )
        parts.append(
            f'<line x1="{x(q2):.1f}" y1="{cy - 9:.1f}" x2="{x(q2):.1f}" y2="{cy + 9:.1f}" stroke="#222"/>'
        )
        parts.append(f'<circle cx="{x(float(r.mean())):.1f}" cy="{cy:.1f}" r="3" fill="#222"/>')
    parts.append(
        f'<text x="{left + span / 2:.1f}" y="{height - 4}" text-anchor="middle">'
        "regret: best mean at the point minus the strategy's (dot: mean)</text></svg>"
    )
    return "".join(parts)


def winner_svg(result: RobustResult) -> str:
    """Design points over the two most decisive parameters, coloured by the winning strategy."""
    ranked = result.ranked_parameters()
    if len(ranked) < 2:
        return ""
    jx, jy = ranked[0], ranked[1]
    ux, uy = result.uncertainties[jx], result.uncertainties[jy]
    left, top, size = 70, 20, 420
    width, height = left + size + 230, top + size + 50
    px, py = result.points[:, jx], result.points[:, jy]
    xl, xh = float(px.min()), float(px.max())
    yl, yh = float(py.min()), float(py.max())

    def sx(v: float) -> float:
        return left + (v - xl) / max(xh - xl, 1e-12) * size

    def sy(v: float) -> float:
        return top + size - (v - yl) / max(yh - yl, 1e-12) * size

    parts = [f'<svg width="{width}" height="{height}" role="img">']
    parts.append(f"<title>Winning strategy over {_e(ux.path)} and {_e(uy.path)}</title>")
    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#999"/>')
    for t in _ticks(xl, xh):
        parts.append(f'<text x="{sx(t):.1f}" y="{top + size + 16}" text-anchor="middle">{t:.3g}</text>')
    for t in _ticks(yl, yh):
        parts.append(f'<text x="{left - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:.3g}</text>')
    for k in range(len(px)):
        color = PALETTE[int(result.best[k]) % len(PALETTE)]
        parts.append(
            f'<circle cx="{sx(float(px[k])):.1f}" cy="{sy(float(py[k])):.1f}" r="3.5" fill="{color}"/>'
        )
    parts.append(
        f'<text x="{left + size / 2}" y="{top + size + 36}" text-anchor="middle">{_e(ux.path)}</text>'
    )
    parts.append(
        f'<text x="14" y="{top + size / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + size / 2})">{_e(uy.path)}</text>'
    )
    ly = top + 10
    for i, s in enumerate(result.strategies):
        wins = int(np.count_nonzero(result.best == i))
        if not wins:
            continue
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<circle cx="{left + size + 20}" cy="{ly}" r="5" fill="{color}"/>')
        parts.append(f'<text x="{left + size + 32}" y="{ly + 4}">{_e(s.id)} ({wins})</text>')
        ly += 20
    parts.append("</svg>")
    return "".join(parts)


def report_html(result: RobustResult, command: str) -> str:
    """The whole report page."""
    from dilemma_sim.batch.regret import HIGH_PERCENTILE, LOW_PERCENTILE

    k = len(result.points)
    lp, hp = f"p{LOW_PERCENTILE:g}", f"p{HIGH_PERCENTILE:g}"
    rows = [
        [
            s.id,
            _n(s.scores.mean),
            _n(s.scores.worst),
            _n(s.scores.low),
            _n(s.scores.mean_regret),
            _n(s.scores.max_regret),
            _n(s.scores.high_regret),
            f"{s.scores.best_share:.0%}",
            f"{s.scores.within_share:.0%}",
        ]
        for s in result.strategies
    ]
    body = [
        f"<h1>Robustness: {_e(result.scenario)}</h1>",
        f'<p class="note">{_e(command)}<br>dilemma-sim {_e(__version__)} · scenario hash '
        f"{_e(result.scenario_hash[:16])} · seed {result.seed} · {k} design points ({_e(result.design)}, "
        f"{_e(result.space)} space) × {result.runs} runs per strategy and point</p>",
        _table(
            f"{result.player_name}'s mean total payoff per point, across the design",
            ["strategy", "mean", "worst", lp, "mean regret", "max regret", f"{hp} regret", "best", "≤ tol"],
            rows,
        ),
        f'<p class="note">Tolerance {_n(result.tolerance)} ({_e(result.tolerance_rule)}). '
        + ", ".join(f"{_e(m)}: <b>{_e(s)}</b>" for m, s in result.most_robust().items())
        + ".</p>",
        "<h2>Regret</h2>",
        regret_svg(result),
        "<h2>Who wins where</h2>",
        winner_svg(result),
        _table(
            "Parameters by how much they decide the winner (share of the winner's impurity explained)",
            ["parameter", "explained", "low", "high"],
            [
                [u.path, f"{result.decisive[j]:.2f}", f"{u.low:.4g}", f"{u.high:.4g}"]
                for j in result.ranked_parameters()
                for u in [result.uncertainties[j]]
            ],
        ),
        f"<h2>Scenario discovery (PRIM): {_e(result.target())}</h2>",
    ]
    for s in result.strategies:
        d = s.discovery
        body.append(f"<h3>{_e(s.id)}: {d.points} of {k} points</h3>")
        if not d.boxes:
            body.append('<p class="note">No box of density 80% or more.</p>')
        for b_i, box in enumerate(d.boxes, 1):
            body.append(
                _table(
                    f"Box {b_i}: coverage {box.coverage:.0%}, density {box.density:.0%}, mass {box.mass:.0%}",
                    ["restriction", "density without", "quasi-p"],
                    [
                        [
                            box.describe(r, result.uncertainties[r.column].path),
                            f"{r.density_without:.0%}",
                            f"{r.qp:.2g}",
                        ]
                        for r in box.restrictions
                    ],
                )
            )
    if result.sobol is not None:
        body.append(f"<h2>Sobol indices of regret ({result.sobol.points} Saltelli points)</h2>")
        for s, ix in zip(result.strategies, result.sobol.regret, strict=True):
            body.append(
                _table(
                    s.id,
                    ["parameter", "S1", "± 95%", "ST", "± 95%"],
                    [
                        [
                            r["path"],
                            f"{r['S1']:.2f}",
                            f"{r['S1_conf']:.2f}",
                            f"{r['ST']:.2f}",
                            f"{r['ST_conf']:.2f}",
                        ]
                        for r in ix.to_json()
                    ],
                )
            )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Robustness: {_e(result.scenario)}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def write_report(path: Path, result: RobustResult, command: str) -> None:
    """Write the report atomically (a temporary file next to `path`, then `os.replace`)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(report_html(result, command), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
