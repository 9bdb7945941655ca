"""Static warnings about a scenario that loads but probably does not say what its author meant.

Warnings that need the game itself (dominated options, an option that always wins) belong to the
engine layer; these need only the file.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dilemma_sim.scenario import expressions, intervals
from dilemma_sim.scenario.checks import cited_sources, effects_blocks, expression_sites
from dilemma_sim.scenario.diagnostics import Diagnostic, sorted_unique
from dilemma_sim.scenario.loader import LoadResult
from dilemma_sim.scenario.models import Beta, Event, Fixed, Normal, Scenario, Triangular, Uniform
from dilemma_sim.scenario.yamlio import Marks, YamlPath


def _used_names(data: Any) -> set[str]:
    names: set[str] = set()
    for site in expression_sites(data):
        try:
            node = expressions.parse(site.source)
        except expressions.ExpressionError:
            continue
        names.update(name for name, _ in expressions.name_refs(node))
    return names


def _never_fires(event: Event) -> bool:
    p = event.probability
    if isinstance(p, str):
        try:
            return expressions.constant_value(expressions.parse(p)) == 0
        except expressions.ExpressionError:
            return False
    if isinstance(p, Fixed):
        return p.value == 0
    if isinstance(p, int | float):
        return p == 0
    if isinstance(p, Uniform | Triangular | Beta):
        return p.high <= 0
    if isinstance(p, Normal):
        return p.high is not None and p.high <= 0
    return False


class _Linter:
    def __init__(self, scenario: Scenario, data: dict[str, Any], marks: Marks, filename: str) -> None:
        self.scenario = scenario
        self.data = data
        self.marks = marks
        self.filename = filename
        self.out: list[Diagnostic] = []

    def warn(self, path: YamlPath, code: str, message: str) -> None:
        mark = self.marks.nearest(path, prefer_key=True)
        line, column, file = (mark.line, mark.column, mark.file) if mark else (1, 1, self.filename)
        self.out.append(Diagnostic(file, line, column, code, "warning", message))

    def run(self) -> list[Diagnostic]:
        s = self.scenario
        used = _used_names(self.data)
        targets = {var for _, effects in effects_blocks(self.data) for var in effects}
        targets |= {influence.target for influence in s.dynamics.values()}
        weighted = {key for actor in s.actors.values() for key in actor.utility}
        for name in s.state:
            if name not in used | targets | weighted:
                self.warn(("state", name), "W501", f"state variable '{name}' is never used")
        for actor_id, actor in s.actors.items():
            if not any(key in s.state for key in actor.utility):
                self.warn(
                    ("actors", actor_id, "utility") if actor.utility else ("actors", actor_id),
                    "W504",
                    f"the utility of actor '{actor_id}' ignores the state (no state variable has a weight)",
                )
            for decision_id, decision in actor.decisions.items():
                base: YamlPath = ("actors", actor_id, "decisions", decision_id)
                if decision.kind == "choice" and len(decision.options) == 1:
                    self.warn(
                        base, "W505", f"decision '{decision_id}' has a single option: there is no choice"
                    )
                if decision.kind != "choice":
                    continue
                default = decision.default_option()
                for option_id, option in decision.options.items():
                    name = f"{actor_id}.{decision_id}.{option_id}"
                    referred = name in used or f"prev.{name}" in used
                    if not option.effects and option.cost == 0 and not referred and option_id != default:
                        self.warn(
                            (*base, "options", option_id),
                            "W502",
                            f"option '{option_id}' has no effects and no cost, and nothing refers to it",
                        )
        for event_id, event in s.events.items():
            if _never_fires(event):
                self.warn(("events", event_id, "probability"), "W503", f"event '{event_id}' can never fire")
        for name in s.parameters:
            if name not in used:
                self.warn(("parameters", name), "W506", f"parameter '{name}' is never used")
        self.ranges()
        citations = list(cited_sources(self.data))
        cited = {source for _, source in citations}
        for source_id in s.sources:
            if source_id not in cited:
                self.warn(("sources", source_id), "W507", f"source '{source_id}' is never cited")
        self.sources_give_figures(citations)
        if s.sources:
            for name, value in s.parameters.items():
                if getattr(value, "source", None) is None and getattr(value, "note", None) is None:
                    self.warn(
                        ("parameters", name),
                        "W508",
                        f"parameter '{name}' has no source: add `source:` (one of the `sources`) "
                        "or a `note:` saying it is an assumption",
                    )
        return self.out

    def sources_give_figures(self, citations: list[tuple[YamlPath, str]]) -> None:
        """W509 for a `source:` whose source says no figure; W510 for a home-page `url`."""
        for path, source_id in citations:
            source = self.scenario.sources.get(source_id)
            if source is not None and not source.figures:
                self.warn(
                    (*path, "source"),
                    "W509",
                    f"source '{source_id}' lists no `figures:`: say which figure this number takes from it "
                    "and where (`figures: [{what: ..., where: 'Table 1, p. 5'}]`), or cite the document "
                    "that gives it",
                )
        for source_id, source in self.scenario.sources.items():
            if source.url is not None and _is_home_page(source.url):
                self.warn(
                    ("sources", source_id, "url"),
                    "W510",
                    f"source '{source_id}' points at a home page ({source.url}); give the document's own URL",
                )

    def ranges(self) -> None:
        """W530/W531: expressions whose declared ranges allow overflow or an undrawable count rate."""
        names = intervals.name_ranges(self.scenario)
        for site in expression_sites(self.data):
            try:
                node = expressions.parse(site.source)
            except expressions.ExpressionError:
                continue
            lo, hi = intervals.interval(node, names)
            where = ".".join(str(p) for p in site.path)
            if intervals.overflows((lo, hi)):
                self.warn(
                    site.path,
                    "W530",
                    f"{where} can overflow: with the declared ranges it can reach [{lo:g}, {hi:g}] "
                    "(runs stop with an error if it does)",
                )
            elif len(site.path) == 3 and site.path[0] == "state" and site.path[2] == "rate" and hi > MAX_RATE:
                self.warn(
                    site.path,
                    "W531",
                    f"{where} can reach {hi:g}, above the largest count rate per turn ({MAX_RATE:g})",
                )


MAX_RATE = 1e9
"""The engine's largest count rate per turn (`engine.finite.MAX_COUNT_RATE`)."""


def _is_home_page(url: str) -> bool:
    """Whether a web address names a site rather than a document: its path is empty or `/`."""
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.path in ("", "/")


def lint(result: LoadResult) -> list[Diagnostic]:
    """Warnings about a loaded scenario, sorted by position; none when it did not load."""
    if result.scenario is None or result.data is None:
        return []
    linter = _Linter(result.scenario, result.data, result.marks, str(result.path))
    return list(sorted_unique(linter.run()))
