"""`manage.py load_demo_data`: the manual's demo data, idempotent, refused when not allowed."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import CommandError, call_command

from intl_reports.models import Authority, Membership, Plan, Programme, School
from intl_reports.roles import EDITORS_GROUP

pytestmark = pytest.mark.django_db

DUMPED_MODELS = [
    "intl_reports.Authority",
    "intl_reports.School",
    "intl_reports.Programme",
    "intl_reports.Plan",
    "intl_reports.Membership",
    "auth.User",
    "auth.Group",
    "wagtailcore.GroupPagePermission",
    "wagtailcore.GroupCollectionPermission",
]


def load():
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def dump():
    return {
        label: serializers.serialize("json", apps.get_model(label)._default_manager.order_by("pk"))
        for label in DUMPED_MODELS
    }


@pytest.fixture
def loaded():
    output = load()
    return output


def test_the_command_lists_the_demo_accounts(loaded):
    assert "Demo data is loaded." in loaded
    for username, password in [
        ("school001", "Demo-School-2023"),
        ("bear_authority", "Demo-Authority-2023"),
        ("editor", "Demo-Editor-2023"),
    ]:
        assert username in loaded
        assert password in loaded


def test_authority_and_school(loaded):
    authority = Authority.objects.get()
    assert authority.name == "熊大_主管機關"
    school = School.objects.get()
    assert school.name == "測試學校001"
    assert school.code == "TEST_SCHOOL_001"
    assert school.authority == authority
    assert school.get_stage_display() == "普通型高中"
    assert school.contact_email  # where activation and reset links go


def test_programme(loaded):
    programme = Programme.objects.get()
    assert str(programme) == "國際交流 112"
    assert programme.report_title == "112學年度國際教育精進計畫 - 國際交流計畫實施成果報告"
    assert programme.is_open()


def test_plan_header(loaded):
    plan = Plan.objects.get()
    assert plan.title == "112年度國際交流計畫書"
    assert plan.serial == "20230403-196"
    assert str(plan) == "112年度國際交流計畫書 (20230403-196)"
    assert plan.get_review_result_display() == "通過"
    assert plan.approved_total == 337500
    assert plan.school.code == "TEST_SCHOOL_001"


def test_plan_exchange_and_partner(loaded):
    plan = Plan.objects.get()
    assert [block.block_type for block in plan.exchanges] == ["exchange"]
    exchange = plan.exchanges[0].value
    assert exchange["kind"] == "outbound"  # 二、辦理本國學校、師生出訪
    assert list(exchange["items"]) == ["contest"]  # 國際競賽/會議
    assert [block.value["region"] for block in plan.partners] == ["亞洲"]


def test_plan_schedule(loaded):
    items = [block.value["item"] for block in Plan.objects.get().schedule]
    assert len(items) == 13
    assert items[10:] == ["辦理校內出訪分享講座", "計畫成果彙整與經費核銷", "整體交流計畫檢討"]


def test_plan_budget(loaded):
    plan = Plan.objects.get()
    lines = [(block.value["item"], block.value["approved"]) for block in plan.budget]
    assert lines == [("其他", 217500), ("其他", 120000)]
    assert sum(approved for _item, approved in lines) == plan.approved_total


def test_plan_outcomes(loaded):
    outcomes = [block.value for block in Plan.objects.get().outcomes]
    assert len(outcomes) == 6
    assert all(outcome["category"] == "推動目標" for outcome in outcomes)
    assert outcomes[3]["expected"].startswith("學生能洞察並聚焦感興趣的全球議題，")
    assert outcomes[4]["expected"].startswith("教師能透過與姊妹校老師合作共備、帶")
    assert outcomes[5]["expected"].startswith("學校能持續深化與姊妹校的關係與交流")
    assert not any(outcome["achieved"] for outcome in outcomes)


def test_plan_streams_validate_as_blocks(loaded):
    """The demo content passes the blocks' own validation (full_clean does not check it)."""
    plan = Plan.objects.get()
    for field_name in ("exchanges", "partners", "schedule", "budget", "outcomes"):
        stream_block = Plan._meta.get_field(field_name).stream_block
        stream_block.clean(getattr(plan, field_name))


def test_accounts(loaded):
    User = get_user_model()
    school_user = User.objects.get(username="school001")
    assert school_user.check_password("Demo-School-2023")
    assert school_user.is_active
    assert school_user.membership.role == "school"
    assert school_user.membership.school.code == "TEST_SCHOOL_001"

    authority_user = User.objects.get(username="bear_authority")
    assert authority_user.check_password("Demo-Authority-2023")
    assert authority_user.membership.authority.name == "熊大_主管機關"

    editor = User.objects.get(username="editor")
    assert editor.check_password("Demo-Editor-2023")
    assert list(editor.groups.values_list("name", flat=True)) == [EDITORS_GROUP]
    assert not Membership.objects.filter(user=editor).exists()
    assert not editor.is_superuser
    assert editor.has_perm("wagtailadmin.access_admin")

    assert User.objects.count() == 3
    assert Membership.objects.count() == 2


def test_a_second_run_changes_nothing():
    load()
    counts_before, dump_before = counts(), dump()
    load()
    assert counts() == counts_before
    assert dump() == dump_before


def test_a_run_keeps_changes_made_since(loaded):
    """Re-loading never resets what people changed (e.g. a demo password, a contact)."""
    User = get_user_model()
    user = User.objects.get(username="school001")
    user.set_password("Changed-Password-2024")
    user.save()
    School.objects.update(contact_name="新的聯絡人")
    load()
    assert User.objects.get(username="school001").check_password("Changed-Password-2024")
    assert School.objects.get().contact_name == "新的聯絡人"


def test_refused_when_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    before = counts()
    with pytest.raises(CommandError, match="refused by these settings"):
        load()
    assert counts() == before
    assert not get_user_model().objects.filter(username="school001").exists()


def test_refused_when_the_setting_is_absent(settings):
    del settings.DEMO_DATA_ALLOWED
    with pytest.raises(CommandError):
        load()
    assert not Plan.objects.exists()
