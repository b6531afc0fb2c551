"""The deadline-day rush, against the production topology on loopback.

    BENCH_BASELINE_VIEW=true scripts/topology start
    .venv/bin/python bench/rush.py [--users 300] [--duration 180] [--kill-at 60]

What it does, in one run:

1. Prepares (idempotently) 300 schools, each with a passed plan of an open programme and one
   school account, straight in the topology's database (its env file gives the settings).
2. Throughput, closed loop, the same workers for both: the baseline (a minimal logged-in view
   that writes one row, `portal.benchmark`) and tab saves (3-2 經費執行情形, realistic
   figures), each for --phase-seconds in all, in --rounds alternating slices so that noise
   from elsewhere on the machine weighs on both alike. Target: saves/s ≥ 50 % of baseline
   writes/s.
3. The rush: every simulated school arrives within the first 20 s, logs in, opens the report
   list, then until the end opens a tab, fills it, saves it, with think times between; each
   uploads one photo and downloads the PDF once. At --kill-at seconds gunicorn instance 1 is
   killed (SIGKILL of its master and workers: a crash) and started again.
4. Checks the database: every save answered with success is there exactly (a revision holds
   its marker and its figures; the report's columns equal the last acknowledged save of each
   tab), and no failed save is even partly there.

It prints throughput, p50/p95/p99 per action and the error count. Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]

PASSWORD = "Rush-School-2026"
RUSH_AUTHORITY = "RUSH_AUTHORITY"
RUSH_YEAR = 199  # a 學年度 no real data uses
TABS = ("budget", "work", "outcomes")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PLAN_RE = re.compile(r"/service/reports/(\d+)/")


# ------------------------------------------------------------------ set-up, through Django


def load_topology_env(topology_dir: Path) -> str:
    """Adopt the topology's environment (its env file) and set Django up against it."""
    env_file = topology_dir / "env"
    if not env_file.exists():
        sys.exit(f"{env_file} is missing: start the topology first (scripts/topology start).")
    for line in env_file.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ[key.removeprefix("export ").strip()] = value.strip().strip("'\"")
    import django

    django.setup()
    from django.conf import settings

    return settings.WAGTAILADMIN_BASE_URL


def prepare(users: int) -> list[str]:
    """300 schools with a passed plan and an account each; returns the usernames."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from intl_reports.demo import BUDGET, EXPECTED_OUTCOMES, SCHEDULE, _stream
    from intl_reports.models import Authority, Membership, Plan, Programme, Role, School
    from intl_reports.models.reference import ReviewResult
    from portal.benchmark import BASELINE_TABLE

    User = get_user_model()
    with transaction.atomic():
        authority, _ = Authority.objects.get_or_create(
            code=RUSH_AUTHORITY,
            defaults={"name": "壓力測試_主管機關", "email": "rush@example.edu.tw"},
        )
        programme, _ = Programme.objects.get_or_create(
            kind=Programme.Kind.EXCHANGE,
            academic_year=RUSH_YEAR,
            defaults={"report_deadline": timezone.now() + datetime.timedelta(days=30)},
        )
        programme.report_deadline = timezone.now() + datetime.timedelta(days=30)
        programme.save(update_fields=["report_deadline"])
        # One hash for every account: the same password, and 300 PBKDF2 rounds saved.
        password_hash = make_password(PASSWORD)
        usernames = []
        for number in range(1, users + 1):
            code = f"RUSH{number:04d}"
            school, _ = School.objects.get_or_create(
                code=code,
                defaults={
                    "authority": authority,
                    "name": f"壓力測試學校{number:04d}",
                    "address": "臺北市中正區",
                    "stage": "general_high",
                    "contact_name": "王老師",
                    "contact_email": f"{code.lower()}@example.edu.tw",
                },
            )
            Plan.objects.get_or_create(
                serial=f"RUSH-{number:04d}",
                defaults={
                    "programme": programme,
                    "school": school,
                    "title": "國際交流計畫書",
                    "review_result": ReviewResult.PASSED,
                    "approved_total": 337500,
                    "exchanges": _stream(
                        "exchange",
                        [{"kind": "outbound", "items": ["contest"], "theme": ""}],
                    ),
                    "partners": _stream("partner", [{"region": "亞洲", "country": "日本"}]),
                    "schedule": _stream(
                        "work_item",
                        [{"item": item, "progress": None, "delay_reason": ""} for item in SCHEDULE],
                    ),
                    "budget": _stream(
                        "budget_line",
                        [
                            {"item": item, "secondary_use": use, "approved": approved}
                            for item, use, approved in BUDGET
                        ],
                    ),
                    "outcomes": _stream(
                        "outcome",
                        [
                            {"category": category, "expected": text, "achieved": False}
                            for category, text in EXPECTED_OUTCOMES
                        ],
                    ),
                },
            )
            username = f"rush{number:04d}"
            user, _ = User.objects.get_or_create(username=username)
            user.password = password_hash
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
            Membership.objects.get_or_create(
                user=user, defaults={"role": Role.SCHOOL, "school": school}
            )
            usernames.append(username)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} "
            "(id bigserial PRIMARY KEY, user_id bigint NOT NULL, written_at timestamptz NOT NULL)"
        )
    return usernames


def photo_bytes() -> bytes:
    """A phone-like photo, scaled down: 1600×1200 JPEG with a gradient and shapes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200))
    draw = ImageDraw.Draw(image)
    for y in range(0, 1200, 8):
        draw.rectangle([0, y, 1600, y + 8], fill=(y % 256, (y * 3) % 256, 160))
    for index in range(12):
        x = 120 * index
        draw.ellipse([x, 300, x + 200, 500], fill=(250, 200 - index * 10, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


# ------------------------------------------------------------------ the simulated school


@dataclass
class Sample:
    action: str
    seconds: float
    ok: bool
    status: int | str


@dataclass
class Save:
    username: str
    plan_id: int
    tab: str
    marker: str
    values: dict[str, str]
    status: int | str
    acknowledged: bool
    finished_at: float = 0.0


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)

    def add(self, action, started, ok, status):
        self.samples.append(Sample(action, time.perf_counter() - started, ok, status))


class SimulatedSchool:
    def __init__(self, base_url: str, username: str, recorder: Recorder, rng: random.Random):
        import httpx

        self.base_url = base_url
        self.username = username
        self.recorder = recorder
        self.rng = rng
        self.plan_id: int | None = None
        self.client = httpx.AsyncClient(
            base_url=base_url,
            verify=False,  # the topology's self-signed certificate, on loopback
            timeout=httpx.Timeout(120.0),
            follow_redirects=False,
            headers={"User-Agent": "portal-rush/1.0"},
        )

    async def close(self):
        await self.client.aclose()

    async def request(self, action, method, url, *, expect, **kwargs):
        started = time.perf_counter()
        headers = kwargs.pop("headers", {})
        if method == "POST":
            headers["Referer"] = self.base_url + url
        try:
            response = await self.client.request(method, url, headers=headers, **kwargs)
        except Exception as error:  # a dropped connection is an error of the run, not a crash
            self.recorder.add(action, started, False, type(error).__name__)
            return None
        ok = response.status_code in expect
        self.recorder.add(action, started, ok, response.status_code)
        return response if ok else None

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    async def login(self) -> bool:
        page = await self.request("login page", "GET", "/login/", expect={200})
        if page is None:
            return False
        token = CSRF_RE.search(page.text).group(1)
        response = await self.request(
            "login",
            "POST",
            "/login/",
            expect={302},
            data={
                "csrfmiddlewaretoken": token,
                "destination": "school",
                "username": self.username,
                "password": PASSWORD,
            },
        )
        if response is None:
            return False
        listing = await self.request("report list", "GET", "/service/reports/", expect={200})
        if listing is None:
            return False
        self.plan_id = int(PLAN_RE.search(listing.text).group(1))
        return True

    def tab_url(self, tab):
        return f"/service/reports/{self.plan_id}/{tab}/"

    async def open_tab(self, tab):
        from tests.report_helpers import parse_tab_form

        response = await self.request(f"open {tab}", "GET", self.tab_url(tab), expect={200})
        return None if response is None else parse_tab_form(response.text)

    def fill(self, tab, data, marker) -> dict[str, str]:
        """Realistic figures for the tab, with a marker that identifies this very save."""
        changed = {}
        if tab == "budget":
            for row in range(data.total("budget")):
                approved = int(str(data.get(f"budget-{row}-approved", "0")).replace(",", "") or 0)
                if f"budget-{row}-spent" in data:
                    changed[f"budget-{row}-spent"] = str(self.rng.randint(0, approved))
            changed["budget-0-notes"] = marker
        elif tab == "work":
            for row in range(data.total("work")):
                if f"work-{row}-progress" in data:
                    changed[f"work-{row}-progress"] = str(self.rng.randint(0, 100))
            changed["work-0-delay_reason"] = marker
        else:
            for row in range(data.total("outcomes")):
                if f"outcomes-{row}-note" in data and self.rng.random() < 0.5:
                    changed[f"outcomes-{row}-achieved"] = "on"
            changed["outcomes-0-note"] = marker
        data.update(changed)
        return changed

    async def save_tab(self, tab, data, changed, marker, action=None):
        data["csrfmiddlewaretoken"] = self.csrf()
        response = await self.request(
            action or f"save {tab}", "POST", self.tab_url(tab), expect={302}, data=dict(data)
        )
        save = Save(
            self.username,
            self.plan_id,
            tab,
            marker,
            changed,
            "ok" if response is not None else self.recorder.samples[-1].status,
            response is not None,
            time.perf_counter(),
        )
        self.recorder.saves.append(save)
        return response is not None

    async def upload_photo(self, photo):
        await self.request(
            "upload photo",
            "POST",
            f"/service/reports/{self.plan_id}/photos/",
            expect={201},
            data={"csrfmiddlewaretoken": self.csrf(), "caption": "交流活動照片", "consent": "true"},
            files={"file": ("photo.jpg", photo, "image/jpeg")},
        )

    async def download_pdf(self):
        response = await self.request(
            "download PDF", "GET", f"/service/reports/{self.plan_id}/pdf/", expect={200}
        )
        if response is not None and not response.content.startswith(b"%PDF"):
            self.recorder.samples[-1].ok = False

    async def think(self, low, high):
        await asyncio.sleep(self.rng.uniform(low, high))


# ------------------------------------------------------------------ phases


async def closed_loop(schools, seconds, step) -> int:
    """Each school repeats `step` back to back until the time is up; returns completions."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(school):
        nonlocal done
        while time.perf_counter() < deadline:
            if await step(school):
                done += 1

    await asyncio.gather(*(worker(school) for school in schools))
    return done


async def throughput(base_url, usernames, workers, seconds, rounds, seed):
    """Writes/s of the baseline view and saves/s of the budget tab, same workers, same run,
    each for `seconds` in all, in `rounds` alternating slices."""
    recorder = Recorder()
    rng = random.Random(seed)
    schools = [SimulatedSchool(base_url, name, recorder, rng) for name in usernames[:workers]]
    await asyncio.gather(*(school.login() for school in schools))
    if not all(school.plan_id for school in schools):
        sys.exit("throughput: a login failed; is the topology up?")

    async def baseline(school):
        response = await school.request(
            "baseline write",
            "POST",
            "/bench/write-one-row/",
            expect={204},
            data={"csrfmiddlewaretoken": school.csrf()},
        )
        return response is not None

    probe = await schools[0].client.get("/bench/write-one-row/")
    if probe.status_code != 405:
        sys.exit("No baseline view: start with BENCH_BASELINE_VIEW=true scripts/topology start")

    forms = {}
    for school in schools:
        forms[school.username] = await school.open_tab("budget")

    async def save(school):
        data = forms[school.username]
        marker = f"tp-{uuid.uuid4().hex[:12]}"
        changed = school.fill("budget", data, marker)
        ok = await school.save_tab("budget", data, changed, marker, action="throughput save")
        if ok:
            data["version"] = str(int(data["version"]) + 1)
        else:  # read the tab again, as a person would after an error
            forms[school.username] = await school.open_tab("budget") or data
        return ok

    await closed_loop(schools, 3, baseline)  # warm-up: connections, worker imports
    await closed_loop(schools, 3, save)
    # Alternating slices, so that a noisy neighbour on the machine weighs on both alike.
    done = {baseline: 0, save: 0}
    spent = {baseline: 0.0, save: 0.0}
    for round_number in range(1, rounds + 1):
        figures = []
        for step in (baseline, save):
            started = time.perf_counter()
            completed = await closed_loop(schools, seconds / rounds, step)
            elapsed = time.perf_counter() - started
            done[step] += completed
            spent[step] += elapsed
            figures.append(completed / elapsed)
        print(
            f"  round {round_number}: baseline {figures[0]:6.1f}/s, saves {figures[1]:6.1f}/s"
            f" ({figures[1] / figures[0]:.0%})"
        )
    for school in schools:
        await school.close()
    return done[baseline] / spent[baseline], done[save] / spent[save], recorder


async def rush(base_url, usernames, duration, kill_at, topology, think, seed):
    recorder = Recorder()
    photo = photo_bytes()
    started = time.perf_counter()
    deadline = started + duration
    restart = {}

    async def one_school(index, username):
        rng = random.Random(seed * 100_003 + index)
        school = SimulatedSchool(base_url, username, recorder, rng)
        await asyncio.sleep(rng.uniform(0, min(20.0, duration / 4)))  # arrivals
        try:
            if not await school.login():
                return
            saves = 0
            while time.perf_counter() < deadline:
                tab = rng.choice(TABS)
                data = await school.open_tab(tab)
                await school.think(*think)
                if data is not None and time.perf_counter() < deadline:
                    marker = f"rush-{uuid.uuid4().hex[:12]}"
                    changed = school.fill(tab, data, marker)
                    saves += await school.save_tab(tab, data, changed, marker)
                    await school.think(*think)
                if saves == 2 and not getattr(school, "uploaded", False):
                    school.uploaded = True
                    await school.upload_photo(photo)
                    await school.think(*think)
                if saves == 4 and not getattr(school, "printed", False):
                    school.printed = True
                    await school.download_pdf()
                    await school.think(*think)
        finally:
            await school.close()

    async def kill_and_restart():
        await asyncio.sleep(kill_at)
        began = time.perf_counter()
        result = await asyncio.to_thread(
            subprocess.run,
            [str(ROOT / "scripts" / "topology"), "kill-app", "1"],
            capture_output=True,
            text=True,
            env={**os.environ, "TOPOLOGY_DIR": str(topology)},
        )
        restart.update(
            at=began - started,
            seconds=time.perf_counter() - began,
            rc=result.returncode,
            output=(result.stdout + result.stderr).strip().splitlines()[-3:],
        )

    tasks = [one_school(index, name) for index, name in enumerate(usernames)]
    if kill_at is not None:
        tasks.append(kill_and_restart())
    await asyncio.gather(*tasks)
    return recorder, time.perf_counter() - started, restart


# ------------------------------------------------------------------ the database check


def check_saves(saves: list[Save]) -> dict:
    """Every acknowledged save is there exactly; no failed save is even partly there.

    A revision snapshots the whole report, so a marker lives on in later revisions of other
    tabs: the save's own revision is the first one that holds its marker, and that revision's
    rows of the tab must be exactly what was posted.
    """
    from wagtail.models import Revision

    from intl_reports.models import OutcomeReport

    reports = {
        report.plan_id: report
        for report in OutcomeReport.objects.filter(plan_id__in={s.plan_id for s in saves})
    }
    revisions = defaultdict(list)  # report pk -> [(text, content)] oldest first
    for revision in (
        Revision.objects.filter(
            base_content_type__model="outcomereport",
            object_id__in=[str(report.pk) for report in reports.values()],
        )
        .order_by("pk")
        .only("object_id", "content")
    ):
        text = json.dumps(revision.content, ensure_ascii=False)
        revisions[revision.object_id].append((text, revision.content))

    found = {"acknowledged": 0, "missing": 0, "failed": 0, "failed but present": 0, "wrong": 0}
    last = {}
    for save in saves:
        report = reports.get(save.plan_id)
        history = revisions.get(str(report.pk), []) if report else []
        own = next((content for text, content in history if save.marker in text), None)
        if save.acknowledged:
            found["acknowledged"] += 1
            if own is None:
                found["missing"] += 1
            elif not _rows_match(_stream_rows(own[COLUMNS[save.tab]]), save):
                found["wrong"] += 1
            last[(save.plan_id, save.tab)] = save
        else:
            found["failed"] += 1
            if own is not None:
                found["failed but present"] += 1
    # The report's own columns hold exactly the last acknowledged save of each tab.
    for (plan_id, tab), save in last.items():
        report = reports[plan_id]
        if not _rows_match(getattr(report, COLUMNS[tab]).raw_data, save):
            found["wrong"] += 1
    return found


COLUMNS = {"budget": "budget_lines", "work": "work_items", "outcomes": "outcome_checks"}


def _stream_rows(value) -> list[dict]:
    """A StreamField as a revision stores it: a JSON text (or list) of blocks."""
    return json.loads(value) if isinstance(value, str) else value


def _rows_match(blocks, save) -> bool:
    rows = [child["value"] for child in blocks]
    for name, value in save.values.items():
        _prefix, index, key = name.split("-", 2)
        stored = rows[int(index)].get(key)
        expected = True if value == "on" else value
        if key in ("spent", "progress"):
            stored, expected = int(stored), int(value)
        if stored != expected:
            return False
    return True


# ------------------------------------------------------------------ report


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def print_samples(samples: list[Sample], seconds: float) -> int:
    by_action = defaultdict(list)
    for sample in samples:
        by_action[sample.action].append(sample)
    header = ("count", "errors", "per s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'action':<18}" + "".join(f"{name:>9}" for name in header))
    errors = 0
    for action, group in sorted(by_action.items()):
        times = [s.seconds * 1000 for s in group]
        failed = [s for s in group if not s.ok]
        errors += len(failed)
        print(
            f"{action:<18}{len(group):>9}{len(failed):>9}{len(group) / seconds:>9.1f}"
            f"{percentile(times, 0.5):>9.0f}{percentile(times, 0.95):>9.0f}"
            f"{percentile(times, 0.99):>9.0f}"
        )
        if failed:
            kinds = defaultdict(int)
            for sample in failed:
                kinds[sample.status] += 1
            print(f"{'':<18}failures: {dict(kinds)}")
    total = len(samples)
    print(f"{'all':<18}{total:>9}{errors:>9}{total / seconds:>9.1f}")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--duration", type=float, default=180.0, help="rush length, seconds")
    parser.add_argument("--kill-at", type=float, default=60.0, help="restart gunicorn 1 then")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--workers", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--phase-seconds", type=float, default=40.0, help="per kind, in all")
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices of each kind")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--topology-dir", type=Path, default=None)
    args = parser.parse_args()
    topology = args.topology_dir or Path(os.environ.get("TOPOLOGY_DIR", ROOT / "var" / "topology"))

    base_url = load_topology_env(topology).rstrip("/")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    began = time.perf_counter()
    usernames = prepare(args.users)
    print(f"prepared {len(usernames)} schools and accounts in {time.perf_counter() - began:.1f} s")
    print(f"target: {base_url} (nginx → 2 gunicorn instances, PostgreSQL, Redis)\n")

    print(
        f"== throughput, {args.workers} closed-loop clients, {args.phase_seconds:.0f} s of each "
        f"in {args.rounds} alternating rounds"
    )
    baseline_rate, save_rate, tp_recorder = asyncio.run(
        throughput(base_url, usernames, args.workers, args.phase_seconds, args.rounds, args.seed)
    )
    ratio = save_rate / baseline_rate if baseline_rate else 0.0
    print(f"baseline (one-row write view): {baseline_rate:8.1f} writes/s")
    print(f"tab save (3-2 經費執行情形):     {save_rate:8.1f} saves/s   = {ratio:.0%} of baseline")
    tp_errors = sum(not s.ok for s in tp_recorder.samples)
    print(f"errors during throughput phases: {tp_errors}\n")

    kill_at = None if args.no_kill else args.kill_at
    recorder, seconds, restart = asyncio.run(
        rush(base_url, usernames, args.duration, kill_at, topology, args.think, args.seed)
    )
    print(f"== the rush: {args.users} schools, {seconds:.0f} s")
    errors = print_samples(recorder.samples, seconds)
    if restart:
        print(
            f"gunicorn 1 killed at t={restart['at']:.0f} s, serving again "
            f"{restart['seconds']:.1f} s later "
            f"(rc={restart['rc']}): {' | '.join(restart['output'])}"
        )

    found = check_saves(tp_recorder.saves + recorder.saves)
    print("\n== database check")
    for key, value in found.items():
        print(f"{key:<20}{value:>7}")

    lost = found["missing"] + found["wrong"] + found["failed but present"]
    print("\n== targets")
    for met, text in [
        (errors == 0 and tp_errors == 0, f"0 errors (rush {errors}, throughput {tp_errors})"),
        (lost == 0, f"0 lost or half-written saves ({lost})"),
        (ratio >= 0.5, f"tab-save throughput ≥ 50 % of the baseline ({ratio:.0%})"),
        (not restart or restart["rc"] == 0, "one gunicorn instance killed and restarted"),
    ]:
        print(f"  {'met   ' if met else 'MISSED'} {text}")


if __name__ == "__main__":
    main()
