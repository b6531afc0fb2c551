"""Benchmark of the public portal: gunicorn + production settings + PostgreSQL, on loopback.

    .venv/bin/python bench/portal.py [--duration 8] [--connections 16]

It starts a private PostgreSQL (a copy of scripts/postgres whose state lives in a temporary
folder, on PG_TEST_PORT, default 54349), loads the demo content, collects the static files
(WhiteNoise, compressed and fingerprinted), serves the site with gunicorn and loads four URLs
with wrk: a static file (the physical baseline), the home page, the showcase list and an
outcome page — first with the anonymous page cache, then with it switched off (uncached
renders). It prints requests/s, p50 and p95 latency and each page's throughput as a ratio to
the static file's, and the number of SQL queries an uncached render of each page takes.

Targets: cached pages ≥ 50 % of the static file's throughput; uncached renders ≤ 20 queries.
Everything listens on 127.0.0.1 only, and every load run is bounded in time.

Needs wrk (Debian: ``apt-get install -y wrk``) and PostgreSQL (``apt-get install -y postgresql``).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PAGES = {
    "home": "/",
    "showcase list": "/exchange/showcase/",
    "outcome page": "/exchange/showcase/beiyuan-cebu-sister-school/",
}
TARGET_RATIO = 0.5
MAX_QUERIES = 20
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %.1f %.3f %.3f %d %d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
"""
QUERY_COUNT_SCRIPT = """
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
for url in {urls!r}:
    client.get(url)  # renditions exist after this one
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    print("QUERIES", url, status, len(queries))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command, env, **kwargs):
    return subprocess.run(command, env=env, cwd=ROOT, check=True, **kwargs)


def wait_for(url, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def wrk(url, duration, connections, script):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", script, url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout
    match = re.search(r"^BENCH (\S+) (\S+) (\S+) (\d+) (\d+)$", output, re.M)
    rps, p50, p95, errors, requests = match.groups()
    return float(rps), float(p50), float(p95), int(errors), int(requests)


class Postgres:
    """A copy of scripts/postgres whose state folder is private to this run."""

    def __init__(self, workdir: Path, port: int):
        self.scripts = workdir / "pg" / "scripts"
        self.scripts.mkdir(parents=True)
        for name in ("postgres", "lib.sh"):
            shutil.copy2(ROOT / "scripts" / name, self.scripts / name)
        self.env = {**os.environ, "PG_TEST_PORT": str(port)}
        self.url = f"postgres://portal@127.0.0.1:{port}/portal"
        self.port = port

    def start(self):
        subprocess.run([self.scripts / "postgres", "start"], env=self.env, check=True)
        pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        createdb = str(pgbin[-1] / "createdb") if pgbin else "createdb"
        subprocess.run(
            [createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "portal", "portal"],
            check=False,
        )

    def stop(self):
        subprocess.run([self.scripts / "postgres", "stop"], env=self.env, check=False)


class Gunicorn:
    def __init__(self, env, port, workers):
        self.port = port
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--pythonpath",
                "site,.",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--log-level",
                "warning",
                "portal.wsgi:application",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_for(self.base + "/robots.txt")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def measure(server, urls, duration, connections, script):
    results = {}
    for name, path in urls.items():
        wait_for(server.base + path, timeout=180)  # warm: renditions, the cache
        results[name] = wrk(server.base + path, duration, connections, script)
    return results


def report(title, results, baseline_rps):
    print(f"\n{title}")
    print(f"{'':16} {'req/s':>10} {'p50 ms':>9} {'p95 ms':>9} {'vs static':>10} {'errors':>7}")
    for name, (rps, p50, p95, errors, _requests) in results.items():
        ratio = rps / baseline_rps if baseline_rps else 0
        print(f"{name:16} {rps:10.1f} {p50:9.2f} {p95:9.2f} {ratio:10.1%} {errors:7d}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 2))
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed. On Debian/Ubuntu: apt-get install -y wrk")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) and not shutil.which("pg_ctl"):
        sys.exit("PostgreSQL is not installed. On Debian/Ubuntu: apt-get install -y postgresql")

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    if os.geteuid() == 0:
        os.chmod(workdir, 0o755)
    postgres = Postgres(workdir, int(os.environ.get("PG_TEST_PORT", "54349")))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": postgres.url,
        "DATABASE_CONN_MAX_AGE": "60",
        "DEFAULT_FROM_EMAIL": "bench@example.gov.tw",
        "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PAGE_CACHE_DIR": str(workdir / "page-cache"),
        "LOG_LEVEL": "WARNING",
    }
    # The demo loader refuses production settings (known passwords); load it with dev settings.
    demo_env = {**env, "DJANGO_SETTINGS_MODULE": "portal.settings.dev"}
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    server = None
    try:
        postgres.start()
        run([PYTHON, "manage.py", "migrate", "-v0"], env)
        run([PYTHON, "manage.py", "load_demo_data"], demo_env, stdout=subprocess.DEVNULL)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        counts = run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                QUERY_COUNT_SCRIPT.format(urls=list(PAGES.values())),
            ],
            env,
            capture_output=True,
            text=True,
        ).stdout

        server = Gunicorn(env, port, args.workers)
        home = wait_for(server.base + "/").decode()
        css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', home)
        if css is None:
            sys.exit("the home page does not link a fingerprinted portal.css")
        urls = {"static file": css.group(1), **PAGES}
        cached = measure(server, urls, args.duration, args.connections, script)
        server.stop()

        server = Gunicorn({**env, "PORTAL_PAGE_CACHE_SECONDS": "0"}, port, args.workers)
        uncached = measure(server, PAGES, args.duration, args.connections, script)
        server.stop()
        server = None
    finally:
        if server is not None:
            server.stop()
        postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = cached["static file"][0]
    print(
        f"\nportal benchmark: gunicorn ({args.workers} workers × 4 threads), PostgreSQL, "
        f"wrk {args.connections} connections × {args.duration} s per URL, loopback"
    )
    report("With the anonymous page cache", cached, baseline)
    report("Uncached renders (PORTAL_PAGE_CACHE_SECONDS=0)", uncached, baseline)
    print("\nSQL queries per uncached render")
    ok = True
    for line in counts.splitlines():
        if line.startswith("QUERIES"):
            _, url, status, number = line.split()
            good = status == "200" and int(number) <= MAX_QUERIES
            ok &= good
            print(f"  {url:50} {number:>3} queries  {'ok' if good else 'OVER TARGET'}")
    for name in PAGES:
        ratio = cached[name][0] / baseline
        good = ratio >= TARGET_RATIO
        ok &= good
        print(f"  cached {name:20} {ratio:6.1%} of the static file  {'ok' if good else 'BELOW'}")
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
