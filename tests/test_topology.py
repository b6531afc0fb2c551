"""The production topology, for real: `scripts/topology start` on free loopback ports and a
temporary folder, then requests through nginx over https as a browser would make them.

nginx (TLS) balances two gunicorn instances (production settings) that share PostgreSQL and
Redis (cache and sessions), serves /static/ itself and sends private media only after Django's
X-Accel-Redirect. The tests run in file order; the last one stops the topology and checks that
nothing is left running. The module's fixture removes the folder whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "topology"

# Made inside the topology with its own environment (production settings, its PostgreSQL):
# a school account, a passed plan and one photo stored through the upload's cleaning path.
FIXTURE_CODE = """
import io, json, os
from PIL import Image
from intl_reports.models import School
from intl_reports.photos import store_photo
from tests.factories import PlanFactory, SchoolUserFactory
user = SchoolUserFactory(username="topology-school", password=os.environ["PORTAL_TEST_PASSWORD"])
school = School.objects.get(memberships__user=user)
plan = PlanFactory(school=school)
buffer = io.BytesIO()
Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "JPEG")
image = store_photo(school, buffer.getvalue(), title="topology", consent=True, user=user)
print(json.dumps({"plan": plan.pk, "photo": image.file.name}))
"""


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def _port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Topology:
    def __init__(self):
        # Not under pytest's 0700 tmp folders: the PostgreSQL server runs as `postgres` when
        # the tests run as root, and must reach its data folder.
        self.dir = Path(tempfile.mkdtemp(prefix="portal-topology-"))
        self.dir.chmod(0o755)
        https, http, app1, app2, pg = _free_ports(5)
        self.https_port, self.app_ports, self.pg_port = https, (app1, app2), pg
        self.ports = [https, http, app1, app2, pg]
        self.base = f"https://127.0.0.1:{https}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))},
            "TOPOLOGY_DIR": str(self.dir),
            "TOPOLOGY_HTTPS_PORT": str(https),
            "TOPOLOGY_HTTP_PORT": str(http),
            "TOPOLOGY_APP1_PORT": str(app1),
            "TOPOLOGY_APP2_PORT": str(app2),
            "TOPOLOGY_PG_PORT": str(pg),
            "MEDIA_STORAGE": "",
        }
        self.password = f"Topo-{secrets.token_urlsafe(12)}-9a"

    def run(self, *args, timeout=600, **extra_env) -> subprocess.CompletedProcess:
        env = {**self.env, **extra_env}
        if args[0] != "start":  # the other commands find the ports in the folder
            env = {
                k: v for k, v in env.items() if not k.startswith("TOPOLOGY_") or k.endswith("DIR")
            }
        return subprocess.run(
            [str(SCRIPT), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def logs(self) -> str:
        parts = []
        for path in sorted((self.dir / "log").glob("*.log")):
            parts.append(f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-30:]))
        return "\n".join(parts)

    def pids(self) -> dict[str, int]:
        pids = {p.stem: int(p.read_text().split()[0]) for p in (self.dir / "run").glob("*.pid")}
        postmaster = self.dir / "postgres" / "data" / "postmaster.pid"
        if postmaster.exists():
            pids["postgres"] = int(postmaster.read_text().split()[0])
        return pids

    def client(self) -> httpx.Client:
        # A browser sends Origin with its POSTs: Django's CSRF check over https needs it.
        return httpx.Client(
            base_url=self.base, verify=False, timeout=30, headers={"Origin": self.base}
        )


@pytest.fixture(scope="module")
def topology():
    topology = Topology()
    try:
        started = topology.run("start")
        assert started.returncode == 0, started.stdout + started.stderr + topology.logs()
        made = topology.run(
            "manage", "shell", "-v", "0", "-c", FIXTURE_CODE, PORTAL_TEST_PASSWORD=topology.password
        )
        assert made.returncode == 0, made.stdout + made.stderr
        topology.data = json.loads(made.stdout.strip().splitlines()[-1])
        yield topology
    finally:
        topology.run("stop", timeout=180)
        shutil.rmtree(topology.dir, ignore_errors=True)


def upstream(response) -> str:
    return response.headers.get("x-portal-upstream", "")


def log_in(topology) -> httpx.Client:
    client = topology.client()
    page = client.get("/login/")
    assert page.status_code == 200
    token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[-1]
    response = client.post(
        "/login/",
        data={
            "csrfmiddlewaretoken": token,
            "destination": "school",
            "username": "topology-school",
            "password": topology.password,
            "next": "",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["location"] == "/service/"
    return client


# ------------------------------------------------------------------ serving


def test_every_service_is_up_and_plain_http_goes_to_https(topology):
    status = topology.run("status")
    assert status.returncode == 0, status.stdout
    for name in ("nginx", "app1", "app2", "redis", "postgres"):
        assert re.search(rf"{name}\s+running\s+pid \d+", status.stdout), status.stdout
    for port in (*topology.app_ports, topology.pg_port):  # remembered from `start`
        assert f"127.0.0.1:{port}" in status.stdout
    http_port = topology.ports[1]
    response = httpx.get(f"http://127.0.0.1:{http_port}/login/")
    assert response.status_code == 301
    assert response.headers["location"] == f"{topology.base}/login/"
    # A second start changes nothing and keeps the same processes.
    before = topology.pids()
    again = topology.run("start")
    assert again.returncode == 0, again.stderr
    assert topology.pids() == before


def test_the_session_holds_on_both_instances(topology):
    client = log_in(topology)
    answered = set()
    for _ in range(6):
        response = client.get("/service/")
        assert response.status_code == 200, response.headers  # logged in, whichever instance
        assert response.headers["strict-transport-security"].startswith("max-age=")
        answered.add(upstream(response))
    assert answered == {f"127.0.0.1:{port}" for port in topology.app_ports}
    # The session is in Redis (its own database, 2), not in PostgreSQL.
    keys = subprocess.run(
        ["redis-cli", "-s", str(topology.dir / "run" / "redis.sock"), "-n", "2", "--scan"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert any("django.contrib.sessions.cache" in key for key in keys), keys


def test_nginx_serves_static_files_itself(topology):
    manifest = json.loads((topology.dir / "static" / "staticfiles.json").read_text())
    css = manifest["paths"]["css/portal.css"]
    assert re.fullmatch(r"css/portal\.[0-9a-f]{12}\.css", css)
    response = topology.client().get(f"/static/{css}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert upstream(response) == ""  # no gunicorn involved
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers.get("content-encoding") == "gzip"  # collectstatic's .gz copy
    assert topology.client().get("/static/no-such-file.css").status_code == 404


def test_private_media_leaves_only_through_x_accel_redirect(topology):
    name = topology.data["photo"]
    url = f"/media/{name}"
    on_disk = (topology.dir / "media" / name).read_bytes()
    owner = log_in(topology)
    response = owner.get(url)
    assert response.status_code == 200
    assert response.content == on_disk
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    # nginx sent the file (Django has no byte ranges): proof of the hand-off.
    part = owner.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    assert part.content == on_disk[:10]
    # Nobody else: not anonymous visitors, and nobody through the internal location.
    anonymous = topology.client()
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(f"/protected-media/{name}").status_code == 404
    assert owner.get(f"/protected-media/{name}").status_code == 404


def test_a_graceful_restart_loses_no_request(topology):
    client = log_in(topology)
    statuses, answered = [], set()
    restart = threading.Thread(target=lambda: statuses.append(topology.run("restart-app", "1")))
    restart.start()
    codes = []
    while restart.is_alive():
        response = client.get("/service/")
        codes.append(response.status_code)
        answered.add(upstream(response))
    restart.join()
    assert statuses[0].returncode == 0, statuses[0].stdout + statuses[0].stderr
    assert codes and set(codes) == {200}, codes
    # Back with both instances (nginx gives a failed instance fail_timeout=2s before retrying).
    both = {f"127.0.0.1:{port}" for port in topology.app_ports}
    after, deadline = set(), time.monotonic() + 15
    while after != both and time.monotonic() < deadline:
        after.add(upstream(client.get("/service/")))
        time.sleep(0.2)
    assert after == both


# ------------------------------------------------------------------ stopping (last)


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every running process.

    Zombies are left out: they have exited, and daemons are reaped by PID 1, which in some
    containers never reaps."""
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if state != "Z":
            processes[int(stat.parent.name)] = (int(parent), command)
    return processes


def _family(roots) -> set[int]:
    """The roots and all their descendants (gunicorn and nginx workers, postgres backends)."""
    processes, family = _processes(), set(roots)
    grew = True
    while grew:
        children = {pid for pid, (parent, _) in processes.items() if parent in family}
        grew = not children <= family
        family |= children
    return family


def test_stop_ends_every_process_and_frees_the_ports(topology):
    pids = topology.pids()
    assert set(pids) == {"nginx", "app1", "app2", "redis", "postgres"}
    family = _family(pids.values())
    assert len(family) >= len(pids) + 2 * 2  # at least the gunicorn workers
    stopped = topology.run("stop", timeout=180)
    assert stopped.returncode == 0, stopped.stderr
    for line in ("nginx", "gunicorn app1", "gunicorn app2", "redis", "postgresql"):
        assert re.search(rf"{line} \(pid \d+\): stopped", stopped.stdout), stopped.stdout
    left = family & set(_processes())
    assert not left, f"still running: {[_processes().get(pid) for pid in left]}"
    assert not any(str(topology.dir) in command for _, command in _processes().values())
    for port in topology.ports:
        assert _port_is_closed(port), port
    assert not (topology.dir / "run" / "redis.sock").exists()
    status = topology.run("status")
    assert status.returncode == 3
    assert status.stdout.count("stopped") == 5
