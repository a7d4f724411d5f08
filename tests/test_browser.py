"""The exercise widget in a real JupyterLab 4, driven through headless Chromium with Playwright.

Starts a private JupyterLab on 127.0.0.1 (free port, random token, temporary root, config and
progress log), opens a generated notebook showing ``ExerciseWidget``, runs it, types answers,
and checks the rendered feedback and the log. Skipped when Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcalc_edu import exercise_bank as bank

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EXERCISE = "ch04.single-layer"
STUDENT = "browser-student"
ROOT = Path(__file__).resolve().parents[1]
RUN_ALL = """async () => {
    const nb = window.jupyterapp.shell.currentWidget;
    await nb.context.ready;
    await nb.sessionContext.ready;
    await window.jupyterapp.commands.execute('notebook:run-all-cells');
}"""
NOTEBOOK_OPEN = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return Boolean(w && w.context && w.sessionContext);
}"""


def _skip_reason() -> str | None:
    """Why this test cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "python playwright is not installed (pip install playwright; no browser download)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _notebook(path: Path) -> None:
    """A two-cell exercise notebook, as a student would get it."""
    cells = ["import matcalc_edu", f"matcalc_edu.ExerciseWidget({EXERCISE!r})"]
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "cells": [{"cell_type": "code", "id": f"c{n}", "metadata": {}, "source": src,
                   "outputs": [], "execution_count": None} for n, src in enumerate(cells)],
    }
    path.write_text(json.dumps(nb), encoding="utf-8")


def _wait_for_server(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("JupyterLab did not answer within 30 s")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict]:
    """A private JupyterLab serving a generated exercise notebook; stopped afterwards."""
    reason = _skip_reason()
    if reason:
        print(f"SKIPPED browser test: {reason}")
        pytest.skip(reason)
    root, home = tmp_path / "course", tmp_path / "jupyter"
    root.mkdir()
    home.mkdir()
    _notebook(root / "exercise.ipynb")
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "progress.jsonl"
    env = {
        **os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "MATCALC_EDU_PROGRESS": str(log), "MATCALC_EDU_STUDENT": STUDENT,
        "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "IPYTHONDIR": str(home / "ipython"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--ServerApp.token={token}",
        "--LabApp.expose_app_in_browser=True", "--allow-root", "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
    ]
    server_log = open(tmp_path / "lab.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(command, env=env, stdout=server_log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", server)
        yield {"url": f"{base}/lab/tree/exercise.ipynb?token={token}", "log": log,
               "shot": tmp_path / "exercise-widget.png"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernel it started
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server_log.close()


def _submit(page, answer: str, *, enter: bool = False) -> str:
    """Type an answer, check it (button or Enter), and return the feedback once it changes."""
    feedback = page.locator(".matcalc-feedback")
    before = feedback.inner_text()
    box = page.locator(".matcalc-answer input")
    box.fill(answer)
    if enter:
        box.press("Enter")
    else:
        page.locator("button.matcalc-check").click()
    page.wait_for_function(
        "([el, old]) => el.innerText !== old",
        arg=[feedback.element_handle(), before], timeout=10_000,
    )
    return feedback.inner_text()


def test_exercise_widget_in_jupyterlab(lab: dict) -> None:
    from playwright.sync_api import sync_playwright

    variant = bank.exercise(EXERCISE).variant(STUDENT)
    start = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(lab["url"])
            page.wait_for_function(NOTEBOOK_OPEN, timeout=30_000)
            page.evaluate(RUN_ALL)
            page.locator(".jp-OutputArea-output .matcalc-answer input").wait_for(timeout=30_000)

            right = _submit(page, variant.solution)
            assert "Correct" in right and "Not yet" not in right

            mistake = variant.mistakes[0]  # transposed gradient
            wrong = _submit(page, mistake.answer)
            assert "Not yet" in wrong and "Mistake type: transpose" in wrong
            assert "the residual comes first" in wrong
            page.locator("button.matcalc-hint").click()
            wrong_shot = lab["shot"].with_name("exercise-widget-wrong.png")
            page.screenshot(path=str(wrong_shot))

            again = _submit(page, variant.solution, enter=True)
            assert "Correct" in again
            preview = page.locator(".matcalc-preview").inner_text()
            assert preview.startswith("Read as")
            page.locator(".matcalc-exercise").scroll_into_view_if_needed()
            page.screenshot(path=str(lab["shot"]))
            print(f"screenshots: {lab['shot']} and {wrong_shot}")
        finally:
            browser.close()
    records = [json.loads(line) for line in lab["log"].read_text().splitlines()]
    assert [(r["exercise"], r["variant"], r["correct"]) for r in records] == [
        (EXERCISE, variant.key, True), (EXERCISE, variant.key, False),
        (EXERCISE, variant.key, True)]
    assert all(r["student"] == STUDENT for r in records)
    print(f"browser part took {time.monotonic() - start:.1f} s")
