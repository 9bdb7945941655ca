"""`dilemma-sim --help` and the TUI start quickly: importing the command line loads no numerical library.

The commands import the engine when they run; a module-level import of numpy, scipy, the engine or
Textual in any command module would make every `--help`, every completion and the TUI's first screen
pay for it. Checked in a fresh interpreter, so nothing an earlier test imported hides it.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "scipy", "pyarrow", "textual", "dilemma_sim.engine", "dilemma_sim.executor")


def test_importing_the_command_line_loads_no_numerical_library() -> None:
    code = (
        "import json, sys; import dilemma_sim.cli; "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
