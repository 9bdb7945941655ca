"""`dilemma-sim serve` serves the app to a browser on localhost (loopback only, bounded in time)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_with_the_textual_web_page_on_localhost() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dilemma_sim", "serve", "pakistan-ttp", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page, deadline = "", time.monotonic() + 30
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.2)  # the server is still starting
        assert "textual.js" in page
        assert server.poll() is None, "the server must keep running while visitors may come"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_of_an_unknown_scenario_fails_before_serving() -> None:
    from click.testing import CliRunner

    from dilemma_sim.cli import main

    result = CliRunner().invoke(main, ["serve", "nosuch", "--port", str(_free_port())])
    assert result.exit_code == 1
    assert "nosuch" in result.output


def test_play_and_serve_help_show_examples() -> None:
    from click.testing import CliRunner

    from dilemma_sim.cli import main

    for command in ("play", "serve"):
        text = CliRunner().invoke(main, [command, "--help"]).output
        assert "Example:" in text and f"dilemma-sim {command}" in text
