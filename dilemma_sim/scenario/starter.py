"""The commented starter scenario that `dilemma-sim new` writes.

The template is a complete, small dilemma: it validates, runs, and shows every part of the format
once (two actors, a choice and a lever, a level and a count variable, an interaction, a dynamic, an
event, an ending, a strategy, and a parameter with a distribution and a source). A test loads it.
"""

from __future__ import annotations

import json
import re
from string import Template

from dilemma_sim.scenario.models import SLUG

_TEMPLATE = Template("""\
# $title: a starter scenario written by `dilemma-sim new`.
#
#   dilemma-sim validate $path    # every problem, with line and column
#   dilemma-sim lint $path        # plus warnings: unused variables, options without effect, ...
#   dilemma-sim explain $path     # the scenario as the engine will see it
#
# Completion and checks in your editor: run `dilemma-sim schema --out $schema_path`
# and make this the first line of the file:  # yaml-language-server: $$schema=scenario.schema.json
# The format is described in docs/format.md. Replace every "Replace me" below.

id: $id
title: $title_yaml
summary: >-
  A government decides each quarter whether to talk to or confront an armed group, and how much to
  spend on the police, while the group decides whether to attack or lie low.
briefing: >-
  Replace me: the situation, what the player controls, and what counts as doing well.
turns: 12
calendar:
  start: "2024-Q1"        # quoted, so YAML keeps it a string
  step: quarter
discount: 0.98            # payoffs of later turns count a little less
player: government        # the actor a person plays by default

sources:
  example_source:
    citation: "Replace me: author, title, publisher, year."
    url: https://example.org/replace-me
    supports:
      - the base attack rate
    figures:              # each figure a number takes from it, and where it is in the document
      - what: "Replace me: 1-4 attacks per quarter"
        where: "Replace me: Table 1, p. 5"

parameters:
  # A distribution is sampled once per run: batch runs show how much the result depends on it.
  base_attack_rate:
    dist: triangular
    low: 1
    mode: 2
    high: 4
    source: example_source
    note: Attacks per quarter when security is middling.
  talks_dividend:
    dist: uniform
    low: 0
    high: 6
    note: "Assumption: security gained in a quarter of talks while the group holds back."

state:
  security:
    label: Security
    description: How safe the country is, from 0 (collapse) to 100 (fully secure).
    unit: index
    kind: level            # a level persists from turn to turn and is moved by effects
    range: [0, 100]
    initial: 50
    persistence: 0.9       # keeps 90% of its gap to the baseline each turn
    baseline: 45
    higher_is_better: true
  attacks:
    label: Attacks
    description: Attacks by the group this turn.
    unit: attacks
    kind: count            # a count is drawn afresh every turn from its rate
    range: [0, 50]
    distribution: poisson
    rate: base_attack_rate * (2 - security / 50) + 2 * group.posture.attack
    higher_is_better: false

actors:
  government:
    name: The Government
    description: "Replace me: who the player is."
    motives: [Keep the country safe]
    fears: [A wave of attacks]
    utility:               # payoff per turn: weight times the end-of-turn value
      security: 0.1
      attacks: -1
    decisions:
      approach:
        label: Approach
        kind: choice
        default: talk
        options:
          talk:
            label: Talk
            description: Open or continue talks; they pay off only if the group holds back.
            effects:
              security: -1
            text: "{actor} keeps the door to talks open."
          confront:
            label: Confront
            description: Send in the army.
            effects:
              security: {add: 3, noise: 1}   # +3 on average, give or take 1
            cost: 0.2
            text: "{actor} launches an operation."
      police_budget:
        label: Police budget
        kind: lever            # each turn: lower, hold or raise one level
        default: medium        # the starting level
        step_cost: 0.5         # paid for every step moved
        levels:
          low:
            label: Low
          medium:
            label: Medium
            effects:
              security: 1
            cost: 0.5
          high:
            label: High
            effects:
              security: 2
            cost: 1.5
    policy:                    # how the government plays when no person does
      approach: {kind: best_response}
      police_budget: {kind: fixed, option: hold}

  group:
    name: The Armed Group
    description: "Replace me: who the other side is."
    motives: [Be taken seriously]
    utility:
      security: -0.1
    decisions:
      posture:
        label: Posture
        default: lie_low
        options:
          lie_low:
            label: Lie low
          attack:
            label: Attack
            effects:
              security: -3
            cost: 0.2
            text: "{actor} strikes."
    policy:
      posture:
        kind: rules
        rules:
          - when: prev.government.approach.confront == 1
            choose: attack
        otherwise: lie_low

interactions:                # effects of a combination of choices in the same turn
  talks_progress:
    label: Talks make progress
    when: government.approach.talk == 1 and group.posture.lie_low == 1
    effects:
      security: talks_dividend
    text: A quiet quarter lets the talks move forward.
  talks_under_fire:
    label: Talks under fire
    when: government.approach.talk == 1 and group.posture.attack == 1
    effects:
      security: -3
    text: Attacks during talks make the government look weak.

dynamics:
  attacks_erode_security:
    label: Attacks erode security
    target: security
    add: -0.5 * attacks

events:
  backlash:
    label: Backlash
    probability: clip(0.02 + (50 - security) / 250, 0, 1)
    effects:
      security: -5
    text: Anger at the violence spills into the streets.

endings:
  collapse:
    label: Collapse
    when: security < 20
    min_turn: 2
    outcome: loss
    text: Security has collapsed.

strategies:
  hard_line:
    label: Hard line
    description: Always confront, and raise the police budget every turn.
    policy:
      approach: {kind: fixed, option: confront}
      police_budget: {kind: fixed, option: raise}
""")


def is_slug(name: str) -> bool:
    """Whether `name` is a valid scenario id (lower-case letters, digits, `-` and `_`)."""
    return re.fullmatch(SLUG, name) is not None


def default_title(scenario_id: str) -> str:
    """A readable title from an id: `water-rights` -> `Water Rights`."""
    return " ".join(word.capitalize() for word in re.split(r"[-_]+", scenario_id) if word)


def starter_yaml(scenario_id: str, *, title: str | None = None, directory: str = "scenarios") -> str:
    """The commented starter scenario with the given id, to be written as `directory/<id>.yaml`."""
    if not is_slug(scenario_id):
        raise ValueError(f"{scenario_id!r} is not a slug (lower-case letters, digits, '-' and '_')")
    title = " ".join((title or default_title(scenario_id)).split())
    path = f"{directory}/{scenario_id}.yaml"
    return _TEMPLATE.substitute(
        id=scenario_id,
        title=title,
        # A JSON string is a valid YAML double-quoted scalar, whatever the title holds.
        title_yaml=json.dumps(title, ensure_ascii=False),
        path=path,
        schema_path=f"{directory}/scenario.schema.json",
    )
