"""Static lint warnings: each one fires on the smallest scenario that deserves it, at the right line."""

from __future__ import annotations

from pathlib import Path

from dilemma_sim.scenario.lint import lint
from dilemma_sim.scenario.loader import load_scenario, load_text
from dilemma_sim.scenario.starter import starter_yaml

MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text()


def warnings(*replacements: tuple[str, str]) -> list[str]:
    """`line:col code` of every lint warning of the minimal scenario with pieces of text replaced."""
    text = MINIMAL
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    result = load_text(text, "minimal.yaml")
    assert result.ok, [d.format() for d in result.diagnostics]
    found = lint(result)
    assert all(d.severity == "warning" for d in found)
    return [f"{d.line}:{d.column} {d.code}" for d in found]


def line_of(needle: str, text: str = MINIMAL) -> int:
    """1-based line of the first line of `text` containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_minimal_and_starter_scenarios_are_lint_clean() -> None:
    assert lint(load_scenario(Path(__file__).parent / "fixtures" / "minimal.yaml")) == []
    assert lint(load_text(starter_yaml("starter"))) == []


def test_a_scenario_that_does_not_load_has_no_lint() -> None:
    assert lint(load_text("id: [")) == []


def test_w501_state_variable_never_used() -> None:
    found = warnings(("  attacks:\n", "  morale:\n    label: Morale\n  attacks:\n"))
    assert found == [f"{line_of('  attacks:')}:3 W501"]


def test_w502_option_without_effects_or_cost() -> None:
    found = warnings(("            label: Wait\n            cost: 0.1\n", "            label: Wait\n"))
    # `wait` is `posture`'s default option (the first): doing nothing is a legitimate default.
    assert found == []
    found = warnings(
        ("            label: Wait\n            cost: 0.1\n", "            label: Wait\n"),
        (
            "      posture:\n        label: Posture\n",
            "      posture:\n        label: Posture\n        default: attack\n",
        ),
    )
    assert found == [f"{line_of('          wait:') + 1}:11 W502"]  # one line was inserted above


def test_w503_event_that_can_never_fire() -> None:
    text = "probability: clip((50 - security) / 100, 0, 1)"
    assert warnings((text, "probability: 0")) == [f"{line_of('probability:')}:5 W503"]
    assert warnings((text, "probability: min(0, 1) * 3")) == [f"{line_of('probability:')}:5 W503"]
    assert warnings((text, "probability: {value: 0, note: off in this variant}")) == [
        f"{line_of('probability:')}:5 W503"
    ]


def test_w504_actor_whose_utility_ignores_the_state() -> None:
    found = warnings(("      security: -0.1\n", "      government.budget: 1\n"))
    assert found == [f"{line_of('security: -0.1') - 1}:5 W504"]


def test_w505_decision_with_a_single_option() -> None:
    found = warnings(
        (
            "          attack:\n            label: Attack\n"
            "            effects:\n              security: -2\n",
            "",
        ),
        ("            choose: attack", "            choose: wait"),
    )
    assert found == [f"{line_of('      posture:')}:7 W505"]


def test_w506_parameter_never_used_and_w507_source_never_cited() -> None:
    found = warnings(
        ("rate: base_rate * (2 - security / 50)", "rate: 2 - security / 50"),
        ("sources:\n", "sources:\n  unused:\n    citation: Nobody, 2020.\n"),
    )
    assert found == [f"{line_of('sources:') + 1}:3 W507", f"{line_of('  base_rate:') + 2}:3 W506"]


def test_w508_parameter_without_source_only_when_the_scenario_cites_sources() -> None:
    found = warnings(
        ("parameters:\n", "parameters:\n  guess: 3\n"), ("rate: base_rate", "rate: guess * base_rate")
    )
    assert found == [f"{line_of('parameters:') + 1}:3 W508"]
    message = lint(
        load_text(
            MINIMAL.replace("parameters:\n", "parameters:\n  guess: 3\n").replace(
                "rate: base_rate", "rate: guess * base_rate"
            )
        )
    )[0].message
    assert "source:" in message and "note:" in message
    noted = warnings(
        ("parameters:\n", "parameters:\n  guess: {value: 3, note: an assumption}\n"),
        ("rate: base_rate", "rate: guess * base_rate"),
    )
    assert noted == []
