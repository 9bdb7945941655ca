"""Small scenarios built in code for engine tests (every feature the engine implements appears once)."""

from __future__ import annotations

from typing import Any

from dilemma_sim.scenario.models import Scenario

CRISIS: dict[str, Any] = {
    "id": "crisis",
    "title": "Border crisis",
    "summary": "Two states and a militia; every engine feature in one scenario.",
    "turns": 10,
    "discount": 0.95,
    "player": "state",
    "parameters": {
        "hawkishness": {"dist": "uniform", "low": 0.5, "high": 1.5},
        "shock": {"dist": "normal", "mean": 4.0, "sd": 1.5, "low": 0.0},
        "fragility": {"dist": "beta", "a": 2.0, "b": 5.0, "low": 0.0, "high": 2.0},
        "base_rate": {"dist": "triangular", "low": 2.0, "mode": 4.0, "high": 9.0},
        "calm": 0.5,
    },
    "state": {
        "security": {"label": "Security", "initial": 50, "persistence": 0.9},
        "economy": {
            "label": "Economy",
            "initial": {"dist": "uniform", "low": 40, "high": 60},
            "persistence": {"dist": "uniform", "low": 0.8, "high": 1.0},
            "baseline": 55,
        },
        "militia": {"label": "Militia strength", "initial": 30, "range": [0, 100]},
        "attacks": {
            "label": "Attacks",
            "kind": "count",
            "range": [0, 60],
            "rate": "base_rate * militia / 30",
        },
        "deaths": {
            "label": "Deaths",
            "kind": "count",
            "range": [0, 500],
            "distribution": "negative_binomial",
            "rate": "3 * attacks + 1",
            "dispersion": {"dist": "uniform", "low": 1.5, "high": 4},
            "initial": 2,
        },
    },
    "actors": {
        "state": {
            "name": "The State",
            "utility": {
                "security": 1.0,
                "economy": {"dist": "uniform", "low": 0.5, "high": 1.0},
                "deaths": -0.2,
                "state.aid": -0.2,
            },
            "decisions": {
                "posture": {
                    "label": "Posture",
                    "default": "wait",
                    "options": {
                        "wait": {"label": "Wait"},
                        "strike": {
                            "label": "Strike",
                            "cost": 2.0,
                            "effects": {"militia": {"add": "-3 * hawkishness", "noise": 1.0}, "security": 2},
                        },
                        "talk": {
                            "label": "Talk",
                            "cost": {"dist": "uniform", "low": 0.5, "high": 1.5},
                            "effects": {
                                "militia": -1,
                                "economy": {"add": 1, "noise": {"dist": "uniform", "low": 0, "high": 2}},
                            },
                        },
                    },
                },
                "aid": {
                    "label": "Aid",
                    "kind": "lever",
                    "default": "some",
                    "step_cost": 0.1,
                    "levels": {
                        "none": {"label": "None"},
                        "some": {"label": "Some", "cost": 0.5, "effects": {"economy": 1.5}},
                        "lots": {
                            "label": "Lots",
                            "cost": 0.6,
                            "effects": {"economy": "1 + 0.03 * security", "attacks": 5},
                        },
                    },
                },
            },
            "policy": {
                "posture": {
                    "kind": "rules",
                    "rules": [
                        {"when": "militia > 40", "choose": "strike"},
                        {"when": "prev.rival.stance.hostile and security < 45", "choose": "talk"},
                    ],
                    "otherwise": "wait",
                },
                "aid": {"kind": "best_response"},
            },
        },
        "rival": {
            "name": "The Rival",
            "utility": {"militia": 0.3, "security": -0.5, "state.aid": 1.0},
            "decisions": {
                "stance": {
                    "label": "Stance",
                    "options": {
                        "neutral": {"label": "Neutral"},
                        "hostile": {
                            "label": "Hostile",
                            "cost": 0.5,
                            "effects": {"militia": {"add": "shock", "noise": 0.5}},
                        },
                    },
                },
            },
            "policy": {
                "stance": {"kind": "logit", "rationality": {"dist": "uniform", "low": 0.5, "high": 3}}
            },
        },
        "militia": {
            "name": "The Militia",
            "utility": {"militia": 1.0, "attacks": 0.5},
            "decisions": {
                "tempo": {
                    "label": "Tempo",
                    "options": {
                        "low": {"label": "Low"},
                        "high": {"label": "High", "effects": {"security": -2}},
                    },
                },
            },
            "policy": {"tempo": {"kind": "mixed", "probabilities": {"low": 0.4, "high": 0.6}}},
        },
    },
    "interactions": {
        "crackdown": {
            "label": "Crackdown during hostility",
            "when": "state.posture.strike and rival.stance.hostile",
            "effects": {"security": -4, "militia": {"add": 2, "noise": 1}},
        },
    },
    "dynamics": {
        "militia_grows": {
            "label": "Militia grows",
            "target": "militia",
            "add": "0.05 * (60 - militia) * fragility",
        },
        "violence_hurts": {"label": "Violence hurts", "target": "economy", "add": "-0.1 * attacks"},
    },
    "events": {
        "bombing": {
            "label": "Bombing",
            "probability": "sigmoid((militia - 50) / 10)",
            "effects": {"security": {"add": -5, "noise": 2}, "economy": -2},
        },
        "ceasefire": {"label": "Ceasefire", "probability": 0.15, "once": True, "effects": {"militia": -10}},
        "windfall": {
            "label": "Windfall",
            "probability": {"dist": "uniform", "low": 0.0, "high": 0.3},
            "effects": {"economy": {"dist": "uniform", "low": 1, "high": 3}},
        },
    },
    "strategies": {
        "always-confront": {
            "label": "Always confront",
            "policy": {
                "posture": {"kind": "fixed", "option": "strike"},
                "aid": {"kind": "fixed", "option": "lower"},
            },
        },
        "always-appease": {
            "label": "Always appease",
            "policy": {
                "posture": {"kind": "fixed", "option": "talk"},
                "aid": {"kind": "fixed", "option": "raise"},
            },
        },
        "sly": {
            "label": "Sly rival",
            "actor": "rival",
            "policy": {"stance": {"kind": "logit", "rationality": {"dist": "uniform", "low": 2, "high": 4}}},
        },
    },
    "endings": {
        "collapse": {
            "label": "Collapse",
            "when": "security < 20",
            "text": "The state collapses.",
            "outcome": "loss",
        },
        "victory": {
            "label": "Victory",
            "when": "militia < 5",
            "text": "The militia is gone.",
            "outcome": "win",
            "min_turn": 3,
        },
    },
}
"""Every engine feature: distributions everywhere, noise, counts, levers, events, endings, all policies."""

TINY: dict[str, Any] = {
    "id": "tiny",
    "title": "Tiny",
    "summary": "One actor, one lever, one event; for exact hand-checked numbers.",
    "turns": 4,
    "player": "a",
    "state": {"x": {"label": "X", "initial": 10, "range": [0, 20]}},
    "actors": {
        "a": {
            "name": "A",
            "utility": {"x": 1.0, "a.dial": 2.0},
            "decisions": {
                "dial": {
                    "label": "Dial",
                    "kind": "lever",
                    "step_cost": 1.0,
                    "levels": {
                        "low": {"label": "Low"},
                        "mid": {"label": "Mid", "effects": {"x": 3}, "cost": 0.5},
                        "high": {"label": "High", "effects": {"x": 8}},
                    },
                },
                "act": {
                    "label": "Act",
                    "options": {
                        "no": {"label": "No"},
                        "yes": {"label": "Yes", "cost": 1.0, "effects": {"x": -2}},
                    },
                },
            },
        },
    },
    "events": {"jolt": {"label": "Jolt", "probability": 1.0, "once": True, "effects": {"x": 1}}},
    "endings": {"full": {"label": "Full", "when": "x >= 20", "text": "Full."}},
}
"""Deterministic: one lever, one choice, an event that surely fires once, an ending at the top."""


def scenario(data: dict[str, Any], **changes: Any) -> Scenario:
    """Validate a scenario dict, with top-level keys replaced by `changes`."""
    return Scenario.model_validate({**data, **changes})


def crisis(**changes: Any) -> Scenario:
    """The CRISIS scenario (optionally changed)."""
    return scenario(CRISIS, **changes)


def tiny(**changes: Any) -> Scenario:
    """The TINY scenario (optionally changed)."""
    return scenario(TINY, **changes)
