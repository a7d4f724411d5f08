"""A real JupyterHub on 127.0.0.1: two students, their own variants and logs, one gradebook.

The hub uses DummyAuthenticator (one shared password) and SimpleLocalProcessSpawner (a home folder
per user under a temp dir). configurable-http-proxy comes from npm, installed into
``~/.cache/matcalc-edu-test/chp`` on first use; without npm or the registry the test is skipped
with the reason. Servers start through docs/deploy.md's start command (``matcalc-edu init``,
then ``jupyterhub-singleuser``). Code runs in each user's own kernel over the kernel websocket,
so ``JUPYTERHUB_USER`` and ``MATCALC_EDU_PROGRESS`` are what the hub gave that user.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.hub

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matcalc-edu-test"
PASSWORD = "matcalc-test-password"
USERS = ("alice", "bob")
DEADLINE = 90.0  # seconds for the whole module, start-up included

CONFIG = """\
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {root!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {root!r} + "/hub.sqlite"
c.JupyterHub.cookie_secret_file = {root!r} + "/cookie_secret"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {root!r} + "/home/{{username}}"
c.Spawner.cmd = ["/bin/sh", "-c", {start!r}, "jupyterhub-singleuser"]  # as docs/deploy.md
c.Spawner.args = {args!r}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.Spawner.environment = {{
    "PATH": {path!r},
    "PYTHONPATH": {pythonpath!r},
    "MPLBACKEND": "Agg",
    "MATCALC_EDU_PROGRESS": lambda spawner: spawner.home_dir + "/progress.jsonl",
}}
c.JupyterHub.services = [{{"name": "matcalc-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "matcalc-test",
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "tokens"],
    "services": ["matcalc-test"],
}}]
"""

START = '{python} -m matcalc_edu init ~/matcalc-edu-course >/dev/null 2>&1 || true; ' \
    'exec {singleuser} "$@"'  # docs/deploy.md's start command, with this venv's paths

KERNEL_CODE = """\
import json, os, subprocess, sys
from pathlib import Path
import matcalc_edu
at_start = (Path.home() / "matcalc-edu-course" / "exercises" / "ch01.toml").exists()
init = subprocess.run([sys.executable, "-m", "matcalc_edu", "init", "~/matcalc-edu-course"],
                      capture_output=True, text=True)
mine = Path.home() / "matcalc-edu-course" / "exercises" / "ch01.toml"
mine.write_text(mine.read_text() + "\\n# my notes\\n")
again = subprocess.run([sys.executable, "-m", "matcalc_edu", "init", "~/matcalc-edu-course"],
                       capture_output=True, text=True)
variant = matcalc_edu.exercise({exercise!r}).variant()
right = matcalc_edu.check({exercise!r}, variant.solution)
wrong = matcalc_edu.check({other!r}, "0")
print("RESULT " + json.dumps({{
    "user": os.environ.get("JUPYTERHUB_USER"), "log": os.environ.get("MATCALC_EDU_PROGRESS"),
    "home": str(Path.home()), "key": variant.key, "right": right.correct, "wrong": wrong.correct,
    "init": [init.returncode, init.stdout + init.stderr],
    "again": [again.returncode, again.stdout + again.stderr],
    "kept": "# my notes" in mine.read_text(), "at_start": at_start,
}}))
"""


@dataclass
class Hub:
    """A running hub: its URL, admin token and temp folder."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    api_port: int
    pids: list[int] = field(default_factory=list)  # single-user servers (own sessions)

    def log_tail(self) -> str:
        """The end of the hub's log, for failure messages."""
        return (self.root / "hub.log").read_text(errors="replace")[-3000:]

    def api(self, method: str, path: str, **kwargs):
        """Call the hub's REST API as the test's admin service."""
        import requests

        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=30, **kwargs)


def _free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (kept open together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _proxy_command() -> str:
    """configurable-http-proxy: on PATH, cached, or installed now with npm (else skip)."""
    found = shutil.which("configurable-http-proxy")
    local = CACHE / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
    if found or local.exists():
        return found or str(local)
    npm = shutil.which("npm")
    if npm is None:
        _skip("npm is not installed, so configurable-http-proxy cannot be installed")
    command = [npm, "install", "--prefix", str(CACHE / "chp"), "--no-audit", "--no-fund",
               "configurable-http-proxy"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    except subprocess.TimeoutExpired:
        _skip("npm install configurable-http-proxy timed out (registry unreachable?)")
    if done.returncode or not local.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        _skip(f"npm could not install configurable-http-proxy (registry unreachable?): {last}")
    return str(local)


def _skip(reason: str) -> None:
    """Skip the hub test, printing the reason so it shows in any CI log."""
    print(f"hub test skipped: {reason}", file=sys.stderr)
    pytest.skip(reason)


def _config(root: Path, ports: list[int], token: str) -> str:
    """The hub's configuration file text."""
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return CONFIG.format(
        port=ports[0], hub_port=ports[1], api_port=ports[2], proxy=_proxy_command(),
        root=str(root), password=PASSWORD,
        start=START.format(python=sys.executable, singleuser=BIN / "jupyterhub-singleuser"),
        args=["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [],
        path=os.pathsep.join([str(BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        pythonpath=pythonpath, token=token,
    )


def _wait(check, what: str, timeout: float, hub: Hub) -> object:
    """Poll ``check()`` until it returns something truthy, or fail with the hub's log."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - not up yet
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; hub log:\n"
                         + hub.log_tail())


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """Start JupyterHub on free ports; stop it and every server it started afterwards."""
    pytest.importorskip("jupyterhub")
    pytest.importorskip("websocket")
    if not (BIN / "jupyterhub-singleuser").exists():
        _skip(f"jupyterhub-singleuser is not in {BIN}")
    root = tmp_path_factory.mktemp("hub")
    ports, token = _free_ports(3), secrets.token_hex(24)
    (root / "jupyterhub_config.py").write_text(_config(root, ports, token))
    env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    with open(root / "hub.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f",
                                    str(root / "jupyterhub_config.py")], cwd=root, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{ports[0]}", token, root, process, ports[2])
    try:
        _wait(lambda: process.poll() is None and hub.api("GET", "/").ok, "the hub", 40, hub)
        yield hub
    finally:
        _stop(hub)


def _stop(hub: Hub) -> None:
    """Stop the servers, then the hub (its proxy too), then anything left of them."""
    for user in USERS:
        try:
            hub.api("DELETE", f"/users/{user}/server")
        except Exception:  # noqa: BLE001 - best effort; the kills below make sure
            pass
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(15)
        except subprocess.TimeoutExpired:
            pass
    proxy = hub.root / "proxy.pid"
    proxy_pid = [int(proxy.read_text())] if proxy.exists() and proxy.read_text().isdigit() else []
    api_port = f"--api-port\0{hub.api_port}\0".encode()
    marks = [(hub.process.pid, b""), *((p, str(hub.root).encode()) for p in hub.pids),
             *((p, api_port) for p in proxy_pid)]
    for pgid, mark in marks:
        if not mark or _started_here(pgid, mark):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    hub.process.wait(5)


def _started_here(pid: int, mark: bytes) -> bool:
    """Whether ``pid`` is still this hub's server or proxy (not a reused process id)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes() + b"\0"
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return mark in command or mark in environ


def _login(hub: Hub, user: str, password: str) -> int:
    """Log in through the hub's login form; return the status of the form post."""
    import requests

    with requests.Session() as session:
        session.get(f"{hub.url}/hub/login", timeout=30)
        form = {"username": user, "password": password,
                "_xsrf": session.cookies.get("_xsrf", "")}
        reply = session.post(f"{hub.url}/hub/login", data=form, allow_redirects=False,
                             timeout=30)
        return reply.status_code


def _start_server(hub: Hub, user: str) -> None:
    """Ask the hub to start the user's server."""
    reply = hub.api("POST", f"/users/{user}/server")
    assert reply.status_code in (201, 202), reply.text


def _ready(hub: Hub, user: str) -> dict:
    """The user's server model once it is ready (else {})."""
    model = hub.api("GET", f"/users/{user}").json()
    server = model.get("servers", {}).get("", {})
    return server if server.get("ready") else {}


def _user_token(hub: Hub, user: str) -> str:
    """An API token of the user's own (acting as that student)."""
    reply = hub.api("POST", f"/users/{user}/tokens", json={"note": "matcalc hub test"})
    assert reply.ok, reply.text
    return reply.json()["token"]


def _run_in_kernel(hub: Hub, user: str, token: str, code: str, timeout: float = 60) -> str:
    """Start a kernel in the user's server, run ``code``, return its stdout."""
    import requests
    import websocket

    headers = {"Authorization": f"token {token}"}
    base = f"{hub.url}/user/{user}/api/kernels"
    reply = requests.post(base, headers=headers, json={"name": "python3"}, timeout=30)
    assert reply.status_code == 201, reply.text
    kernel = reply.json()["id"]
    ws_url = base.replace("http://", "ws://") + f"/{kernel}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"],
                                     timeout=timeout)
    try:
        return _execute(ws, code, timeout)
    finally:
        ws.close()
        requests.delete(f"{base}/{kernel}", headers=headers, timeout=30)


def _execute(ws, code: str, timeout: float) -> str:
    """Send one execute_request over a kernel websocket; collect stdout until the reply."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }))
    out, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream":
            out.append(msg["content"]["text"])
        elif kind == "error":
            out.append("\n".join(msg["content"]["traceback"]))
        elif kind == "execute_reply":
            return "".join(out)
    raise AssertionError(f"no execute_reply within {timeout} s; output so far: {''.join(out)}")


def _randomized_pair() -> tuple[str, str]:
    """An exercise whose variants differ for the two users, and another exercise."""
    from matcalc_edu.exercise_bank import exercises

    every = exercises()
    for ex in every:
        if ex.randomized and len({ex.variant(u).key for u in USERS}) == len(USERS):
            other = next(e.id for e in every if e.id != ex.id)
            return ex.id, other
    raise AssertionError("no exercise gives alice and bob different variants")


def test_two_students_on_a_real_hub(hub: Hub, tmp_path: Path) -> None:
    started = time.monotonic()
    assert _login(hub, "alice", PASSWORD) == 302
    assert _login(hub, "bob", "wrong password") != 302
    for user in USERS:
        assert hub.api("POST", f"/users/{user}").status_code in (201, 409)
        _start_server(hub, user)
    for user in USERS:
        server = _wait(lambda u=user: _ready(hub, u), f"{user}'s server", 45, hub)
        hub.pids.append(int(server["state"]["pid"]))

    exercise_id, other = _randomized_pair()
    code = KERNEL_CODE.format(exercise=exercise_id, other=other)
    results = {}
    for user in USERS:
        output = _run_in_kernel(hub, user, _user_token(hub, user), code)
        line = next((x for x in output.splitlines() if x.startswith("RESULT ")), None)
        assert line, output
        results[user] = json.loads(line[len("RESULT "):])

    logs = []
    for user, result in results.items():
        home = hub.root / "home" / user
        assert result["user"] == user and Path(result["home"]) == home
        assert result["log"] == str(home / "progress.jsonl")
        assert result["at_start"], "the server's start command did not run matcalc-edu init"
        assert result["init"][0] == 0 and "Course folder:" in result["init"][1], result["init"]
        assert (home / "matcalc-edu-course" / "exercises" / "ch01.toml").exists()
        assert result["again"][0] == 0 and "exercises/ch01.toml" in result["again"][1]
        assert result["kept"], result["again"]
        assert result["right"] is True and result["wrong"] is False
        records = [json.loads(x) for x in (home / "progress.jsonl").read_text().splitlines()]
        assert {r["student"] for r in records} == {user} and len(records) == 2
        logs.append(str(home / "progress.jsonl"))
    assert results["alice"]["key"] != results["bob"]["key"]

    out = tmp_path / "grades.csv"
    graded = subprocess.run([sys.executable, "-m", "matcalc_edu", "grade", *logs, "--out",
                             str(out)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    rows = out.read_text().splitlines()
    assert len(rows) == 3 and [r.split(",")[0] for r in rows[1:]] == list(USERS)
    assert time.monotonic() - started < DEADLINE
