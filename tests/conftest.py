"""Shared fixtures: the manual's demo data, one account per role, and clients logged in as each.

The organisations are laid out so every permission boundary can be crossed in a test:

    authority ─┬─ school        ← school_user, authority_user
               └─ other_school  ← other_school_user
    other_authority ── far_school ← other_authority_user
"""

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import (
    AuthorityFactory,
    AuthorityUserFactory,
    EditorFactory,
    PlanFactory,
    SchoolFactory,
    SchoolUserFactory,
    SuperuserFactory,
)


@pytest.fixture(autouse=True)
def _clear_caches():
    """No test sees pages or values cached by another (the portal caches whole pages)."""
    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _reset_axes(request):
    """Start every database test with no recorded login failures and no lockout.

    Axes keeps its attempts in the database, which each test rolls back anyway; this makes the
    independence explicit, and covers transactional tests (the live server) too.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(names & {"transactional_db", "live_server"}) or bool(
        marker and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from axes.utils import reset

    reset()


@pytest.fixture
def demo_data(db):
    """The manual's demo data: 熊大_主管機關, 測試學校001, plan 20230403-196, three accounts."""
    from intl_reports.demo import load_reports_demo

    load_reports_demo()


@pytest.fixture
def authority(db):
    return AuthorityFactory(name="北熊_主管機關", code="NORTH_BEAR")


@pytest.fixture
def other_authority(db):
    return AuthorityFactory(name="南熊_主管機關", code="SOUTH_BEAR")


@pytest.fixture
def school(authority):
    return SchoolFactory(authority=authority, name="北熊高級中學", code="NORTH_001")


@pytest.fixture
def other_school(authority):
    return SchoolFactory(authority=authority, name="北熊第二高級中學", code="NORTH_002")


@pytest.fixture
def far_school(other_authority):
    return SchoolFactory(authority=other_authority, name="南熊高級中學", code="SOUTH_001")


@pytest.fixture
def school_user(school):
    return SchoolUserFactory(username="north001", school=school)


@pytest.fixture
def other_school_user(other_school):
    return SchoolUserFactory(username="north002", school=other_school)


@pytest.fixture
def far_school_user(far_school):
    return SchoolUserFactory(username="south001", school=far_school)


@pytest.fixture
def authority_user(authority):
    return AuthorityUserFactory(username="north_authority", authority=authority)


@pytest.fixture
def other_authority_user(other_authority):
    return AuthorityUserFactory(username="south_authority", authority=other_authority)


@pytest.fixture
def editor_user(db):
    return EditorFactory(username="moe_editor")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(username="moe_admin")


@pytest.fixture
def plans(school, other_school, far_school):
    """Plans of every review result, spread over the three schools."""
    return {
        "own_passed": PlanFactory(school=school, title="北熊出訪計畫", serial="P-OWN-1"),
        "own_rejected": PlanFactory(
            school=school, title="北熊未通過計畫", serial="P-OWN-2", review_result="rejected"
        ),
        "own_reviewing": PlanFactory(
            school=school, title="北熊審查中計畫", serial="P-OWN-3", review_result="reviewing"
        ),
        "sibling_passed": PlanFactory(
            school=other_school, title="北熊二校來訪計畫", serial="P-SIB-1"
        ),
        "far_passed": PlanFactory(school=far_school, title="南熊網路交流計畫", serial="P-FAR-1"),
    }


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def school_client(school_user):
    return _client_for(school_user)


@pytest.fixture
def other_school_client(other_school_user):
    return _client_for(other_school_user)


@pytest.fixture
def authority_client(authority_user):
    return _client_for(authority_user)


@pytest.fixture
def other_authority_client(other_authority_user):
    return _client_for(other_authority_user)


@pytest.fixture
def editor_client(editor_user):
    return _client_for(editor_user)


@pytest.fixture
def superuser_client(superuser):
    return _client_for(superuser)


@pytest.fixture
def demo_school_client(demo_data, django_user_model):
    return _client_for(django_user_model.objects.get(username="school001"))


@pytest.fixture
def demo_editor_client(demo_data, django_user_model):
    return _client_for(django_user_model.objects.get(username="editor"))
