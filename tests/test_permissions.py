"""intl_reports.permissions for every role, and the service URLs that rely on it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from intl_reports import permissions
from intl_reports.models import Role
from tests.factories import PlanFactory, PortalImageFactory, UserFactory

pytestmark = pytest.mark.django_db

SERVICE_URLS = ["/service/", "/service/profile/", "/service/plans/", "/service/reports/"]


@pytest.fixture
def users(
    school_user,
    other_school_user,
    far_school_user,
    authority_user,
    other_authority_user,
    editor_user,
    superuser,
):
    return {
        "anonymous": AnonymousUser(),
        "school": school_user,
        "other_school": other_school_user,
        "far_school": far_school_user,
        "authority": authority_user,
        "other_authority": other_authority_user,
        "editor": editor_user,
        "superuser": superuser,
    }


def fresh(user):
    """The user as a new request would load it, without the per-object membership cache."""
    if isinstance(user, AnonymousUser):
        return user
    return type(user).objects.get(pk=user.pk)


def make_image(school=None, is_published=False):
    return PortalImageFactory(school=school, is_published=is_published)


# ---------------------------------------------------------------- role_of


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("anonymous", None),
        ("school", Role.SCHOOL),
        ("other_school", Role.SCHOOL),
        ("authority", Role.AUTHORITY),
        ("other_authority", Role.AUTHORITY),
        ("editor", permissions.EDITOR),
        ("superuser", permissions.EDITOR),
    ],
)
def test_role_of(users, who, role):
    assert permissions.role_of(fresh(users[who])) == role


def test_a_user_with_no_membership_and_no_admin_access_has_no_role():
    nobody = UserFactory()
    assert permissions.role_of(nobody) is None
    assert not permissions.may_use_service(nobody)
    assert list(permissions.plans_visible_to(nobody)) == []


def test_a_deactivated_school_account_loses_its_role(school_user):
    school_user.is_active = False
    school_user.save()
    user = fresh(school_user)
    assert permissions.role_of(user) is None
    assert permissions.school_of(user) is None
    assert list(permissions.plans_visible_to(user)) == []


def test_school_of_and_authority_of(users, school, authority):
    assert permissions.school_of(fresh(users["school"])) == school
    assert permissions.authority_of(fresh(users["school"])) is None
    assert permissions.authority_of(fresh(users["authority"])) == authority
    assert permissions.school_of(fresh(users["authority"])) is None
    assert permissions.school_of(users["anonymous"]) is None
    assert permissions.school_of(fresh(users["editor"])) is None


# ---------------------------------------------------------------- plans_visible_to / can_view_plan

VISIBLE_PLANS = {
    "anonymous": set(),
    "school": {"own_passed", "own_rejected", "own_reviewing"},
    "other_school": {"sibling_passed"},
    "far_school": {"far_passed"},
    "authority": {"own_passed", "own_rejected", "own_reviewing", "sibling_passed"},
    "other_authority": {"far_passed"},
    "editor": {"own_passed", "own_rejected", "own_reviewing", "sibling_passed", "far_passed"},
    "superuser": {"own_passed", "own_rejected", "own_reviewing", "sibling_passed", "far_passed"},
}


@pytest.mark.parametrize("who", list(VISIBLE_PLANS))
def test_plans_visible_to(users, plans, who):
    expected = {plans[name].pk for name in VISIBLE_PLANS[who]}
    assert set(permissions.plans_visible_to(fresh(users[who])).values_list("pk", flat=True)) == (
        expected
    )


@pytest.mark.parametrize("who", list(VISIBLE_PLANS))
def test_can_view_plan_agrees_with_plans_visible_to(users, plans, who):
    user = fresh(users[who])
    for name, plan in plans.items():
        assert permissions.can_view_plan(user, plan) is (name in VISIBLE_PLANS[who]), name


# ---------------------------------------------------------------- can_view_image

IMAGE_VISIBILITY = {
    # who: (own school's private photo, far school's private photo)
    "anonymous": (False, False),
    "school": (True, False),
    "other_school": (False, False),
    "far_school": (False, True),
    "authority": (True, False),
    "other_authority": (False, True),
    "editor": (True, True),
    "superuser": (True, True),
}


@pytest.mark.parametrize("who", list(IMAGE_VISIBILITY))
def test_can_view_image(users, school, far_school, who):
    private_own = make_image(school=school)
    private_far = make_image(school=far_school)
    public = make_image(school=None)
    published = make_image(school=school, is_published=True)
    user = fresh(users[who])
    assert permissions.can_view_image(user, private_own) is IMAGE_VISIBILITY[who][0]
    assert permissions.can_view_image(user, private_far) is IMAGE_VISIBILITY[who][1]
    # Portal images and published photos are for everyone.
    assert permissions.can_view_image(user, public) is True
    assert permissions.can_view_image(user, published) is True


@pytest.mark.parametrize("who", IMAGE_VISIBILITY)
def test_images_visible_to_agrees_with_can_view_image(users, school, far_school, who):
    images = [
        make_image(school=school),
        make_image(school=far_school),
        make_image(school=None),
        make_image(school=school, is_published=True),
    ]
    user = fresh(users[who])
    visible = set(permissions.images_visible_to(user).values_list("pk", flat=True))
    for image in images:
        assert (image.pk in visible) is permissions.can_view_image(user, image), image.title


# ---------------------------------------------------------------- can_bulk_import / profile


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("school", False),
        ("authority", False),
        ("editor", True),
        ("superuser", True),
    ],
)
def test_can_bulk_import(users, who, allowed):
    assert permissions.can_bulk_import(fresh(users[who])) is allowed


def test_admin_access_without_model_rights_cannot_bulk_import():
    from django.contrib.auth.models import Permission

    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    staff = fresh(staff)
    assert permissions.role_of(staff) == permissions.EDITOR
    assert permissions.can_bulk_import(staff) is False


def test_a_school_account_given_admin_access_is_still_a_school(school_user):
    """A membership wins: a school account never becomes an editor by a stray permission."""
    from django.contrib.auth.models import Permission

    school_user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user = fresh(school_user)
    assert permissions.role_of(user) == Role.SCHOOL
    assert not permissions.is_editor(user)
    assert not permissions.can_bulk_import(user)


@pytest.mark.parametrize(
    ("who", "own", "other"),
    [
        ("anonymous", False, False),
        ("school", True, False),
        ("other_school", False, True),
        ("authority", False, False),
        ("editor", True, True),
    ],
)
def test_can_edit_school_profile(users, school, other_school, who, own, other):
    user = fresh(users[who])
    assert permissions.can_edit_school_profile(user, school) is own
    assert permissions.can_edit_school_profile(user, other_school) is other


# ---------------------------------------------------------------- the service URLs


@pytest.mark.parametrize("url", SERVICE_URLS)
def test_service_urls_send_anonymous_users_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('intl_reports:login')}?next={url}"


@pytest.mark.parametrize("url", SERVICE_URLS)
def test_service_urls_refuse_editors(editor_client, superuser_client, url):
    assert editor_client.get(url).status_code == 403
    assert superuser_client.get(url).status_code == 403


@pytest.mark.parametrize("url", SERVICE_URLS)
def test_service_urls_are_never_cached(school_client, url):
    response = school_client.get(url)
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "no-store" in cache_control or "private" in cache_control


def test_school_profile_is_refused_to_an_authority(authority_client):
    assert authority_client.get("/service/profile/").status_code == 403


def plan_titles(response):
    return {plan.title for plan in response.context["plans"]}


def test_school_sees_only_its_own_plans(school_client, plans):
    response = school_client.get("/service/plans/")
    assert plan_titles(response) == {"北熊出訪計畫", "北熊未通過計畫", "北熊審查中計畫"}
    text = response.content.decode()
    assert "北熊二校來訪計畫" not in text
    assert "南熊網路交流計畫" not in text
    # Each plan shows its review result.
    for result in ("通過", "不通過", "審查中"):
        assert f"<td>{result}</td>" in text


def test_school_sees_only_its_passed_plans_in_reports(school_client, plans):
    response = school_client.get("/service/reports/")
    assert plan_titles(response) == {"北熊出訪計畫"}
    text = response.content.decode()
    assert "北熊未通過計畫" not in text
    assert "北熊審查中計畫" not in text
    assert "國際交流 112" in text


def test_authority_sees_its_schools_plans_only(authority_client, plans):
    response = authority_client.get("/service/plans/")
    assert plan_titles(response) == {
        "北熊出訪計畫",
        "北熊未通過計畫",
        "北熊審查中計畫",
        "北熊二校來訪計畫",
    }
    reports = authority_client.get("/service/reports/")
    assert plan_titles(reports) == {"北熊出訪計畫", "北熊二校來訪計畫"}
    assert "南熊網路交流計畫" not in reports.content.decode()


def test_other_authority_sees_only_its_own_school(other_authority_client, plans):
    assert plan_titles(other_authority_client.get("/service/plans/")) == {"南熊網路交流計畫"}
    assert plan_titles(other_authority_client.get("/service/reports/")) == {"南熊網路交流計畫"}


def test_report_list_shows_the_manual_columns_for_the_demo(demo_school_client):
    response = demo_school_client.get("/service/reports/")
    text = response.content.decode()
    for column in ("學校名稱", "學校代碼", "主管機關", "標題", "計畫書審查結果", "操作"):
        assert f'<th scope="col">{column}</th>' in text
    assert "測試學校001" in text
    assert "TEST_SCHOOL_001" in text
    assert "熊大_主管機關" in text
    assert "112年度國際交流計畫書 (20230403-196)" in text
    assert "共 1 筆" in text


def test_plan_list_paginates(school_client, school):
    PlanFactory.create_batch(25, school=school)
    first = school_client.get("/service/plans/")
    assert len(first.context["plans"]) == 20
    assert "共 25 筆" in first.content.decode()
    second = school_client.get("/service/plans/?page=2")
    assert len(second.context["plans"]) == 5
    assert school_client.get("/service/plans/?page=99").status_code == 404
