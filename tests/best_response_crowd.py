"""A scenario of N actors who all play best responses: the memory-hungry case of `engine.footprint`."""

from __future__ import annotations


def crowd_yaml(
    actors: int, *, decisions: int = 1, options: int = 2, state: int = 1, kind: str = "best_response"
) -> str:
    """N actors, each with `decisions` choices of `options` options, judging them by expected payoff."""
    lines = [
        "id: crowd",
        "title: A crowd",
        "summary: Everyone best-responds.",
        "turns: 4",
        "player: a0",
        "state:",
    ]
    for s in range(state):
        lines += [f"  x{s}:", f"    label: X{s}", "    kind: level", "    range: [0, 100]", "    initial: 50"]
    lines.append("actors:")
    for a in range(actors):
        lines += [f"  a{a}:", f"    name: Actor {a}", "    utility:"]
        lines += [f"      x{s}: {1 if (a + s) % 2 else -1}" for s in range(state)]
        lines.append("    decisions:")
        for d in range(decisions):
            lines += [f"      d{d}:", "        label: D", "        default: o0", "        options:"]
            for o in range(options):
                lines.append(f"          o{o}: {{label: O{o}, effects: {{x{(o + d) % state}: {o - 1}}}}}")
        lines.append("    policy:")
        for d in range(decisions):
            policy = "{kind: best_response}" if kind == "best_response" else "{kind: fixed, option: o0}"
            lines.append(f"      d{d}: {policy}")
    return "\n".join(lines) + "\n"
