"""`dilemma-sim serve` serves the app to a browser on localhost (loopback only, bounded in time)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
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
        text=True,
    )
    try:
        assert server.stdout is not None
        link = ""
        deadline = time.monotonic() + 30
        while not link and time.monotonic() < deadline:
            line = server.stdout.readline()  # the server prints its link once it listens
            match = re.search(r"(http://127\.0\.0\.1:\d+/s/\S+)", line)
            link = match[1] if match else ""
        assert link, "the server prints a link with its token"
        with urllib.request.urlopen(link, timeout=10) as response:
            page = response.read().decode()
        assert "textual.js" in page
        # the bare address gives nothing away
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 404
        else:
            raise AssertionError("the bare address answered")
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
