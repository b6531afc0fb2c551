"""Scale: the target views take as many queries with 60 schools as with 5, and the scale-data
generator (intl_reports/scale.py, `manage.py generate_scale_data`) makes realistic, consistent
data. Times are measured by bench/scale.py, never asserted here.

The dataset is built once for the module (5 schools, counted; then topped up to 60 schools over
3 學年度) inside a transaction that is rolled back at the end; each test runs in a savepoint.

Run with `-s` to read the measured counts.
"""

import io
from collections import Counter

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from intl_reports import scale
from intl_reports.academic_year import academic_year_of
from intl_reports.models import (
    Authority,
    Membership,
    OutcomeReport,
    Plan,
    PortalImage,
    Programme,
    ReviewDecision,
    ReviewResult,
    ReviewState,
    Role,
    School,
)
from intl_reports.photos import school_collection
from intl_reports.reporting import COMPUTED_FIELDS, recompute
from tests.factories import AuthorityMembershipFactory, EditorFactory, UserFactory

SMALL, LARGE, YEARS = 5, 60, 3
# Rows of a page never add queries; a filter value that appears or a page link may add one.
SLACK = 2
ABSOLUTE_BOUND = 40
REPORTS = "/admin/intl-reports/reports/"


def target_urls(authority, programme) -> dict[str, tuple[str, str]]:
    year = programme.academic_year
    one_slice = f"authority={authority.pk}&academic_year={year}"
    filters = (
        f"programme={programme.pk}&academic_year={year}&authority={authority.pk}"
        "&completeness_state=complete&review_state=accepted&ordering=-execution_rate"
    )
    return {
        "school report list": ("school", "/service/reports/"),
        "authority report list": ("authority", "/service/reports/"),
        "authority dashboard": ("authority", "/service/dashboard/"),
        "admin report list, sorted": ("editor", f"{REPORTS}?ordering=-completeness"),
        "admin report list, filtered": ("editor", f"{REPORTS}?{filters}"),
        "admin school list": ("editor", "/admin/intl_reports/school/"),
        "editor dashboard": ("editor", "/admin/intl-reports/dashboard/"),
        "editor dashboard, one year": ("editor", f"/admin/intl-reports/dashboard/?year={year}"),
        "open data page": ("anonymous", "/open-data/"),
        "open data CSV": ("anonymous", "/open-data/outcomes.csv"),
        "open data JSON": ("anonymous", "/open-data/outcomes.json"),
        "reports CSV export": ("editor", f"{REPORTS}?export=csv&{one_slice}"),
        "reports XLSX export": ("editor", f"{REPORTS}?export=xlsx&{one_slice}"),
        "budget lines CSV export": ("editor", f"/admin/intl-reports/budget-lines.csv?{one_slice}"),
        "budget lines XLSX export": (
            "editor",
            f"/admin/intl-reports/budget-lines.xlsx?{one_slice}",
        ),
    }


TARGETS = [
    "school report list",
    "authority report list",
    "authority dashboard",
    "admin report list, sorted",
    "admin report list, filtered",
    "admin school list",
    "editor dashboard",
    "editor dashboard, one year",
    "open data page",
    "open data CSV",
    "open data JSON",
    "reports CSV export",
    "reports XLSX export",
    "budget lines CSV export",
    "budget lines XLSX export",
]


def fetch(client, url):
    """A response with its streamed content read: streaming is part of the work."""
    response = client.get(url)
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    else:
        response.body = response.content
    return response


def count_queries(client, url) -> int:
    for cache in caches.all():
        cache.clear()
    fetch(client, url)  # warm-up: sessions, content types, site root
    for cache in caches.all():
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = fetch(client, url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


class ScaleData:
    """Everything the tests need from the module's dataset."""

    def __init__(self):
        self.small_counts: dict[str, int] = {}
        self.result = None
        self.users = {}
        self.urls = {}

    def clients(self) -> dict[str, Client]:
        clients = {"anonymous": Client()}
        for key, user in self.users.items():
            clients[key] = Client()
            clients[key].force_login(user)
        return clients


@pytest.fixture(scope="module")
def scale_data(django_db_setup, django_db_blocker):
    data = ScaleData()
    with django_db_blocker.unblock(), transaction.atomic():
        scale.generate(schools=SMALL, years=YEARS, accounts=1)
        # The authority of the first school: it has schools at both sizes.
        authority = School.objects.get(code=scale.school_code(0)).authority
        year = academic_year_of(timezone.localdate())
        programme = Programme.objects.get(kind=Programme.Kind.EXCHANGE, academic_year=year - 1)
        editor = EditorFactory(username="scale_editor")
        official = UserFactory(username="scale_authority")
        AuthorityMembershipFactory(user=official, authority=authority)
        school_user = Membership.objects.get(user__username=scale.account_username(0)).user
        data.users = {"school": school_user, "authority": official, "editor": editor}
        data.urls = target_urls(authority, programme)
        clients = data.clients()
        for name, (who, url) in data.urls.items():
            data.small_counts[name] = count_queries(clients[who], url)
        data.result = scale.generate(schools=LARGE, years=YEARS, accounts=2)
        yield data
        transaction.set_rollback(True)


@pytest.fixture
def data(scale_data, db):
    return scale_data


# ---------------------------------------------------------------------------------- queries


@pytest.mark.parametrize("name", TARGETS)
def test_a_target_view_takes_the_same_queries_with_60_schools_as_with_5(
    data, name, django_assert_max_num_queries
):
    who, url = data.urls[name]
    client = data.clients()[who]
    small = data.small_counts[name]
    fetch(client, url)
    for cache in caches.all():
        cache.clear()
    with django_assert_max_num_queries(min(small + SLACK, ABSOLUTE_BOUND)) as captured:
        response = fetch(client, url)
    assert response.status_code == 200
    assert response.body
    print(f"\n{name}: {small} queries with {SMALL} schools, {len(captured)} with {LARGE}")


def test_the_lists_show_rows_of_the_large_dataset(data):
    """The bounded counts above are over pages that really list many rows."""
    clients = data.clients()
    authority_list = fetch(clients["authority"], "/service/reports/").body.decode()
    assert authority_list.count("PDF下載") >= 5
    admin_list = fetch(clients["editor"], f"{REPORTS}?ordering=-completeness").body.decode()
    assert admin_list.count(scale.CODE_PREFIX) >= 20
    export = fetch(clients["editor"], data.urls["budget lines CSV export"][1]).body.decode()
    assert len(export.splitlines()) > 3


# ---------------------------------------------------------------------------------- generator


def test_the_generator_makes_the_requested_schools_under_the_real_authorities(data):
    schools = School.objects.filter(code__startswith=scale.CODE_PREFIX)
    assert schools.count() == LARGE
    per_authority = Counter(schools.values_list("authority__code", flat=True))
    expected = scale.expected_schools_per_authority(LARGE)
    assert per_authority == {scale.authority_code(code): n for code, n in expected.items()}
    # By weight: the big cities have the most schools, every authority gets its share.
    assert (
        per_authority[scale.authority_code("64000")] > per_authority[scale.authority_code("10020")]
    )
    assert len(per_authority) >= 18
    assert Authority.objects.filter(code__startswith=scale.CODE_PREFIX).count() == 22
    assert not schools.filter(stage="").exists()
    assert data.result.created["schools"] == LARGE - SMALL


def test_plans_and_reports_come_in_realistic_proportions(data):
    plans = Plan.objects.filter(serial__startswith=scale.CODE_PREFIX)
    programmes = Programme.objects.filter(plans__in=plans).distinct().count()
    assert programmes == YEARS + YEARS - YEARS // 3  # 國際交流 every year, 課程 later on
    per_school_and_programme = plans.count() / (LARGE * programmes)
    assert 0.2 <= per_school_and_programme <= 0.6
    passed = plans.filter(review_result=ReviewResult.PASSED)
    assert passed.count() / plans.count() > 0.7
    assert plans.exclude(review_result=ReviewResult.PASSED).exists()
    reports = OutcomeReport.objects.filter(plan__in=plans)
    assert not reports.exclude(plan__review_result=ReviewResult.PASSED).exists()
    assert reports.count() / passed.count() > 0.7
    complete = reports.filter(completeness=100).count() / reports.count()
    assert 0.3 < complete < 0.95
    assert reports.filter(completeness__lt=100, last_saved_at__isnull=False).exists()
    assert reports.filter(last_saved_at__isnull=True).exists()
    states = set(reports.values_list("review_state", flat=True))
    assert {ReviewState.ACCEPTED, ReviewState.PENDING} <= states
    decided = reports.exclude(review_state=ReviewState.PENDING).count()
    assert ReviewDecision.objects.filter(report__in=reports).count() == decided
    revised = reports.filter(latest_revision__isnull=False)
    assert 0 < revised.count() < reports.count()
    for report in reports.filter(last_saved_at__isnull=False)[:50]:
        assert 3 <= len(report.budget_lines.raw_data) <= 12
        assert 4 <= len(report.work_items.raw_data) <= 13


def test_computed_columns_are_what_recompute_gives(data):
    reports = OutcomeReport.objects.filter(plan__serial__startswith=scale.CODE_PREFIX)
    assert reports.count() > 50
    for report in reports:
        stored = {name: getattr(report, name) for name in COMPUTED_FIELDS}
        recompute(report)
        assert {name: getattr(report, name) for name in COMPUTED_FIELDS} == stored, report.pk
        assert report.approved_total == report.plan.approved_total


def test_photos_are_real_images_in_their_school_collection(data):
    images = PortalImage.objects.filter(school__code__startswith=scale.CODE_PREFIX)
    assert images.count() > 50
    for image in images.select_related("school", "collection")[:40]:
        assert image.collection == school_collection(image.school)
        with image.open_file() as handle, Image.open(io.BytesIO(handle.read())) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (image.width, image.height) == scale.PHOTO_SIZE
    # Files are shared within a school only: the media view finds an owner of the same school.
    owners = {}
    for name, school_id in images.values_list("file", "school_id"):
        assert owners.setdefault(name, school_id) == school_id
    from wagtail.models import Collection

    assert all(problem == [] for problem in Collection.find_problems())


def test_photo_blocks_point_at_their_own_schools_photos(data):
    reports = OutcomeReport.objects.filter(photo_count__gt=0).select_related("plan")
    assert reports.exists()
    for report in reports[:40]:
        ids = [item["value"]["image"] for item in report.photos.raw_data]
        owners = set(PortalImage.objects.filter(pk__in=ids).values_list("school_id", flat=True))
        assert owners == {report.plan.school_id}
        assert len(ids) == report.photo_count


def test_a_second_run_adds_nothing_and_a_larger_one_tops_up(data):
    before = OutcomeReport.objects.count()
    again = scale.generate(schools=LARGE, years=YEARS)
    assert again.existing_schools == LARGE
    assert sum(again.created.values()) == 0
    assert OutcomeReport.objects.count() == before
    more = scale.generate(schools=LARGE + 2, years=YEARS)
    assert more.created["schools"] == 2
    assert School.objects.filter(code__startswith=scale.CODE_PREFIX).count() == LARGE + 2


def test_accounts_can_log_in_with_the_shared_password(data):
    membership = Membership.objects.select_related("school").get(
        user__username=scale.account_username(1)
    )
    assert membership.role == Role.SCHOOL
    assert membership.school.code == scale.school_code(1)
    response = Client().post(
        "/login/",
        {
            "destination": "school",
            "username": scale.account_username(1),
            "password": scale.ACCOUNT_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/service/"


def test_the_command_prints_counts_and_refuses_under_production_settings(data, settings):
    out = io.StringIO()
    call_command("generate_scale_data", schools=LARGE, years=YEARS, stdout=out)
    assert f"{LARGE} scale schools exist already" in out.getvalue()
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("generate_scale_data", schools=LARGE + 1, accounts=3, stdout=io.StringIO())
    assert School.objects.filter(code__startswith=scale.CODE_PREFIX).count() == LARGE
    out = io.StringIO()
    call_command(
        "generate_scale_data",
        schools=LARGE + 1,
        years=1,
        accounts=3,
        allow_production=True,
        stdout=out,
    )
    assert "schools" in out.getvalue() and scale.ACCOUNT_PASSWORD in out.getvalue()
    assert School.objects.filter(code__startswith=scale.CODE_PREFIX).count() == LARGE + 1
