"""Benchmark of the reports system at national scale: 10 schools against 4,000, in one run.

    DATABASE_URL=postgres://portal@127.0.0.1:54400/h8scale .venv/bin/python bench/scale.py \
        [--schools 4000] [--small 10] [--years 10] [--runs 5] [--keep]

It creates a fresh PostgreSQL database named after DATABASE_URL's with `_bench` appended (the
named database itself is never touched), migrates it, generates 10 schools with
`intl_reports.scale` (10 學年度 of plans, reports, photos), and measures every target view
in-process with the Django test Client (force_login): the query count of one request and the
median time of N requests. It then tops the data up to 4,000 schools and measures again.

Targets (issue 8): the query count is bounded (the same at both sizes, or within a small
constant) and each view answers in under 10× its time at 10 schools. Exports of a filter (one
authority, one year) are measured like views; exports of everything grow with the data by
nature and are timed once, separately. Finally it prints EXPLAIN (ANALYZE, BUFFERS) of the three
heaviest queries seen at full size.

The bench uses the test settings (temporary media folder, fast password hasher) and drops its
database at the end unless --keep is given. Media files go to a temporary folder, removed too.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

BOUNDED_SLACK = 3  # queries: "the same or within a small constant"
MAX_RATIO = 10.0


@dataclass
class Target:
    name: str
    user: str  # key into the logged-in clients
    url: str
    queries: dict = field(default_factory=dict)  # size -> count
    median: dict = field(default_factory=dict)  # size -> seconds
    captured: list = field(default_factory=list)  # (time, sql) at the largest size


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=4000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--authorities", type=int, default=22)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    return parser.parse_args()


def setup_database():
    import django

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/scale.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    django.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"Database: PostgreSQL {version} at {connection.settings_dict['HOST']}:"
        f"{connection.settings_dict['PORT']}, database {connection.settings_dict['NAME']} "
        f"(fresh, from DATABASE_URL's {name})"
    )
    return name


def make_users(authority):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from intl_reports.models import Membership, Role
    from intl_reports.roles import ensure_editors_group
    from intl_reports.scale import account_username

    User = get_user_model()
    editor = User.objects.create(username="bench_editor", email="bench@example.gov.tw")
    editor.groups.add(ensure_editors_group())
    official = User.objects.create(username="bench_authority")
    Membership.objects.create(user=official, role=Role.AUTHORITY, authority=authority)
    school_user = User.objects.get(username=account_username(0))
    clients = {}
    for key, user in (("school", school_user), ("authority", official), ("editor", editor)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[key] = client
    clients["anonymous"] = Client(HTTP_HOST="127.0.0.1")
    return clients


def bench_authority(small: int, large: int, authorities: int):
    """The authority nearest 180 schools at full size that has a school at the small size."""
    from intl_reports.models import Authority
    from intl_reports.scale import authority_code, expected_schools_per_authority

    at_small = expected_schools_per_authority(small, authorities)
    at_large = expected_schools_per_authority(large, authorities)
    code = min(at_small, key=lambda c: (abs(at_large[c] - 180), c))
    return Authority.objects.get(code=authority_code(code)), at_large[code]


def targets(authority) -> list[Target]:
    from django.utils import timezone

    from intl_reports.academic_year import academic_year_of
    from intl_reports.models import Programme

    year = academic_year_of(timezone.localdate()) - 1  # a past year: decided, complete reports
    programme = Programme.objects.get(kind=Programme.Kind.EXCHANGE, academic_year=year)
    one_slice = f"authority={authority.pk}&academic_year={year}"
    filters = (
        f"programme={programme.pk}&academic_year={year}&authority={authority.pk}"
        "&completeness_state=complete&review_state=accepted&ordering=-execution_rate"
    )
    reports = "/admin/intl-reports/reports/"
    return [
        Target("school: report list", "school", "/service/reports/"),
        Target("authority: report list", "authority", "/service/reports/"),
        Target("authority: dashboard", "authority", "/service/dashboard/"),
        Target("editor: report list, sorted", "editor", f"{reports}?ordering=-completeness"),
        Target("editor: report list, 5 filters", "editor", f"{reports}?{filters}"),
        Target("editor: report search", "editor", f"{reports}?q=SCALE0000"),
        Target("editor: school list (modeladmin)", "editor", "/admin/intl_reports/school/"),
        Target(
            "editor: school list, filtered",
            "editor",
            f"/admin/intl_reports/school/?authority__id__exact={authority.pk}&stage=elementary",
        ),
        Target("editor: dashboard, all years", "editor", "/admin/intl-reports/dashboard/"),
        Target(
            "editor: dashboard, one year", "editor", f"/admin/intl-reports/dashboard/?year={year}"
        ),
        Target("public: open data page", "anonymous", "/open-data/"),
        Target("public: open data CSV", "anonymous", "/open-data/outcomes.csv"),
        Target("public: open data JSON", "anonymous", "/open-data/outcomes.json"),
        Target(
            "export: reports CSV (1 authority, 1 year)",
            "editor",
            f"{reports}?export=csv&{one_slice}",
        ),
        Target(
            "export: reports XLSX (1 authority, 1 year)",
            "editor",
            f"{reports}?export=xlsx&{one_slice}",
        ),
        Target(
            "export: budget lines CSV (1 authority, 1 year)",
            "editor",
            f"/admin/intl-reports/budget-lines.csv?{one_slice}",
        ),
        Target(
            "export: budget lines XLSX (1 authority, 1 year)",
            "editor",
            f"/admin/intl-reports/budget-lines.xlsx?{one_slice}",
        ),
    ]


def fetch(client, url) -> tuple[int, int]:
    """Status and size of a response, streamed content included (it is part of the work)."""
    response = client.get(url)
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, len(body)


def measure(target: Target, clients, size: int, runs: int, keep_queries: bool) -> None:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = clients[target.user]

    def clear():  # every run is uncached: open data and pages would otherwise be free
        for cache in caches.all():
            cache.clear()

    clear()
    status, _size = fetch(client, target.url)  # warm-up: templates, renditions, sessions
    if status != 200:
        raise SystemExit(f"{target.name}: {target.url} answered {status}")
    clear()
    with CaptureQueriesContext(connection) as captured:
        fetch(client, target.url)
    target.queries[size] = len(captured.captured_queries)
    if keep_queries:
        target.captured = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    timings = []
    for _ in range(runs):
        clear()
        started = time.perf_counter()
        fetch(client, target.url)
        timings.append(time.perf_counter() - started)
    target.median[size] = statistics.median(timings)


def report(all_targets: list[Target], small: int, large: int) -> None:
    print()
    header = (
        f"{'target':<48} {'queries':>15} {'median ms':>19} {'ratio':>7}  {'queries':<9} {'time':<6}"
    )
    print(header)
    print(f"{'':<48} {f'{small} / {large}':>15} {f'{small} / {large}':>19}")
    print("-" * len(header))
    missed = 0
    for t in all_targets:
        q_small, q_large = t.queries[small], t.queries[large]
        m_small, m_large = t.median[small], t.median[large]
        ratio = m_large / m_small
        bounded = abs(q_large - q_small) <= BOUNDED_SLACK
        fast = ratio < MAX_RATIO
        missed += (not bounded) + (not fast)
        print(
            f"{t.name:<48} {q_small:>7} / {q_large:<5} "
            f"{m_small * 1000:>8.1f} / {m_large * 1000:<8.1f} {ratio:>6.1f}×  "
            f"{'met' if bounded else 'MISSED':<9} {'met' if fast else 'MISSED':<6}"
        )
    print(
        f"\nTargets: queries bounded (|Δ| ≤ {BOUNDED_SLACK}) and time ratio < {MAX_RATIO:.0f}×; "
        f"{'all met' if not missed else f'{missed} missed'}."
    )


def explain_heaviest(all_targets: list[Target], how_many: int = 3) -> None:
    from django.db import connection

    seen, heaviest = set(), []
    for t in all_targets:
        for seconds, sql in t.captured:
            # One entry per query shape: literals differ between runs of the same query.
            shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
            heaviest.append((seconds, shape, sql, t.name))
    heaviest.sort(key=lambda item: -item[0])
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the {how_many} heaviest queries at full size")
    shown = 0
    for seconds, shape, sql, name in heaviest:
        if shape in seen or not sql.lstrip().upper().startswith("SELECT"):
            continue
        seen.add(shape)
        shown += 1
        print(f"\n#{shown} {seconds * 1000:.1f} ms in “{name}”:\n{sql}\n")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print(f"    {line}")
        if shown == how_many:
            break


def full_exports(clients) -> None:
    from django.db import connection
    from django.http import FileResponse
    from django.test.utils import CaptureQueriesContext

    print("\nFull exports (every report; they grow with the data by nature), one run each:")
    for label, url in (
        ("reports CSV", "/admin/intl-reports/reports/?export=csv"),
        ("reports XLSX", "/admin/intl-reports/reports/?export=xlsx"),
        ("budget lines CSV", "/admin/intl-reports/budget-lines.csv"),
        ("budget lines XLSX", "/admin/intl-reports/budget-lines.xlsx"),
    ):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = clients["editor"].get(url)
            first = None
            size = 0
            if response.streaming:
                for chunk in response.streaming_content:
                    if first is None:
                        first = time.perf_counter() - started
                    size += len(chunk)
            else:
                size = len(response.content)
        total = time.perf_counter() - started
        if isinstance(response, FileResponse):
            kind = "FileResponse of a workbook built whole in memory first"
        elif response.streaming:
            kind = f"StreamingHttpResponse, first bytes after {first * 1000:.0f} ms"
        else:
            kind = "HttpResponse (built whole in memory)"
        print(
            f"  {label:<18} {total:6.2f} s  {size / 1e6:7.2f} MB  "
            f"{len(captured.captured_queries):>4} queries  {kind}"
        )


def main():
    args = parse_args()
    name = setup_database()
    from django.conf import settings
    from django.db import connection

    from intl_reports import scale

    media_root = settings.MEDIA_ROOT
    try:
        started = time.perf_counter()
        scale.generate(
            schools=args.small,
            authorities=args.authorities,
            years=args.years,
            seed=args.seed,
            accounts=1,
        )
        print(f"Generated {args.small} schools in {time.perf_counter() - started:.1f} s")
        authority, expected = bench_authority(args.small, args.schools, args.authorities)
        print(f"Authority measured: {authority.name} ({expected} schools at full size)")
        clients = make_users(authority)
        all_targets = targets(authority)
        for target in all_targets:
            measure(target, clients, args.small, args.runs, keep_queries=False)

        print(f"Generating up to {args.schools} schools …", flush=True)
        result = scale.generate(
            schools=args.schools, authorities=args.authorities, years=args.years, seed=args.seed
        )
        counts = ", ".join(f"{k} {v}" for k, v in result.created.items())
        print(f"Generated in {result.elapsed:.1f} s: {counts}")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the steady state autovacuum reaches
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print(f"Database size: {cursor.fetchone()[0]}")
        for target in all_targets:
            measure(target, clients, args.schools, args.runs, keep_queries=True)
        report(all_targets, args.small, args.schools)
        explain_heaviest(all_targets)
        full_exports(clients)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
        if not args.keep:
            connection.creation.destroy_test_db(name, verbosity=0)
        else:
            print(f"Kept database {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()
