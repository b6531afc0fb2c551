"""The editors' modeladmin of authorities, schools, programmes and plans (wagtail-modeladmin)."""

import json

import pytest

from intl_reports.models import Authority, Plan, Programme, School
from tests.factories import PlanFactory, SchoolFactory

pytestmark = pytest.mark.django_db

MODELS = {
    "authority": Authority,
    "school": School,
    "programme": Programme,
    "plan": Plan,
}


def admin_url(model_name, action="", pk=None):
    url = f"/admin/intl_reports/{model_name}/"
    if action:
        url += f"{action}/"
    if pk is not None:
        url += f"{pk}/"
    return url


def shows(response, text):
    """Whether a page shows `text`: as HTML, or inside the JSON that Wagtail's scripts render
    (the sidebar menu and StreamField blocks are JSON with non-ASCII as \\u escapes)."""
    content = response.content.decode()
    return text in content or json.dumps(text)[1:-1] in content


def listed(response):
    """The objects shown in a modeladmin listing."""
    return list(response.context["object_list"])


@pytest.mark.parametrize("model_name", list(MODELS))
def test_index_inspect_edit_and_create_pages_answer(demo_editor_client, model_name):
    obj = MODELS[model_name].objects.first()
    assert obj is not None
    for url in (
        admin_url(model_name),
        admin_url(model_name, "inspect", obj.pk),
        admin_url(model_name, "edit", obj.pk),
        admin_url(model_name, "create"),
    ):
        response = demo_editor_client.get(url)
        assert response.status_code == 200, url


def test_the_school_listing_shows_the_demo_school(demo_editor_client):
    response = demo_editor_client.get(admin_url("school"))
    text = response.content.decode()
    assert "TEST_SCHOOL_001" in text
    assert "測試學校001" in text
    assert "熊大_主管機關" in text


def test_the_inspect_page_shows_the_plan(demo_editor_client):
    plan = Plan.objects.get(serial="20230403-196")
    text = demo_editor_client.get(admin_url("plan", "inspect", plan.pk)).content.decode()
    assert "112年度國際交流計畫書" in text
    assert "20230403-196" in text
    assert "337500" in text or "337,500" in text


def test_the_plan_edit_page_has_the_stream_tabs(demo_editor_client):
    plan = Plan.objects.get(serial="20230403-196")
    response = demo_editor_client.get(admin_url("plan", "edit", plan.pk))
    for heading in ("計畫書", "交流類型與對象", "計畫期程", "經費需求", "預期成效"):
        assert shows(response, heading), heading
    assert shows(response, "整體交流計畫檢討")
    assert shows(response, "辦理校內出訪分享講座")


def test_school_search(demo_editor_client, demo_data):
    SchoolFactory(name="嘉市北園國小", code="CY_BEIYUAN")
    SchoolFactory(name="宜蘭南澳高中", code="IL_NANAO")
    by_name = listed(demo_editor_client.get(admin_url("school"), {"q": "北園"}))
    assert [school.code for school in by_name] == ["CY_BEIYUAN"]
    by_code = listed(demo_editor_client.get(admin_url("school"), {"q": "IL_NANAO"}))
    assert [school.code for school in by_code] == ["IL_NANAO"]
    nothing = listed(demo_editor_client.get(admin_url("school"), {"q": "不存在的學校"}))
    assert nothing == []


def test_school_filters(demo_editor_client, demo_data):
    elementary = SchoolFactory(name="嘉市北園國小", code="CY_BEIYUAN", stage="elementary")
    response = demo_editor_client.get(admin_url("school"), {"stage": "elementary"})
    assert [school.code for school in listed(response)] == ["CY_BEIYUAN"]
    by_authority = demo_editor_client.get(
        admin_url("school"), {"authority__id__exact": elementary.authority_id}
    )
    assert [school.code for school in listed(by_authority)] == ["CY_BEIYUAN"]


def test_plan_search_and_filters(demo_editor_client, demo_data):
    other = PlanFactory(title="南澳網路交流", serial="20240501-001", review_result="rejected")
    search = listed(demo_editor_client.get(admin_url("plan"), {"q": "20230403-196"}))
    assert [plan.serial for plan in search] == ["20230403-196"]
    by_school = listed(demo_editor_client.get(admin_url("plan"), {"q": other.school.code}))
    assert [plan.serial for plan in by_school] == ["20240501-001"]
    rejected = listed(demo_editor_client.get(admin_url("plan"), {"review_result": "rejected"}))
    assert [plan.serial for plan in rejected] == ["20240501-001"]
    passed = listed(demo_editor_client.get(admin_url("plan"), {"review_result": "passed"}))
    assert [plan.serial for plan in passed] == ["20230403-196"]


def test_programme_filter(demo_editor_client, demo_data):
    from tests.factories import ProgrammeFactory

    ProgrammeFactory(kind="curriculum", academic_year=113)
    response = demo_editor_client.get(admin_url("programme"), {"kind": "curriculum"})
    assert [(p.kind, p.academic_year) for p in listed(response)] == [("curriculum", 113)]


def test_authority_search(demo_editor_client, demo_data):
    response = demo_editor_client.get(admin_url("authority"), {"q": "熊大"})
    assert [authority.code for authority in listed(response)] == ["BEAR_AUTHORITY"]


def test_an_editor_creates_an_authority(demo_editor_client, demo_data):
    response = demo_editor_client.post(
        admin_url("authority", "create"),
        {"name": "嘉義市政府教育處", "code": "CHIAYI_CITY", "email": "edu@chiayi.example.gov.tw"},
    )
    assert response.status_code == 302
    assert Authority.objects.filter(code="CHIAYI_CITY", name="嘉義市政府教育處").exists()


def test_an_invalid_school_code_is_refused_in_the_admin(demo_editor_client, demo_data):
    authority = Authority.objects.get()
    response = demo_editor_client.post(
        admin_url("school", "create"),
        {
            "authority": authority.pk,
            "name": "壞代碼學校",
            "code": "壞 代碼!",
            "stage": "elementary",
        },
    )
    assert response.status_code == 200
    assert "學校代碼只能包含英文字母、數字、底線與連字號。" in response.content.decode()
    assert not School.objects.filter(name="壞代碼學校").exists()


def test_the_admin_menu_offers_the_reference_data_and_import(demo_editor_client):
    response = demo_editor_client.get("/admin/")
    assert response.status_code == 200
    assert shows(response, "成果報告系統")
    assert shows(response, "批次匯入")


@pytest.mark.parametrize("model_name", list(MODELS))
def test_a_school_user_cannot_reach_the_admin(demo_school_client, model_name):
    response = demo_school_client.get(admin_url(model_name))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith("/admin/login/")


def test_a_school_user_is_sent_away_from_the_dashboard(demo_school_client):
    response = demo_school_client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_school_user_cannot_edit_a_school_in_the_admin(demo_school_client):
    school = School.objects.get(code="TEST_SCHOOL_001")
    response = demo_school_client.post(
        admin_url("school", "edit", school.pk),
        {"authority": school.authority_id, "name": "竄改", "code": school.code},
    )
    assert response.status_code in (302, 403)
    school.refresh_from_db()
    assert school.name == "測試學校001"


def test_anonymous_is_sent_to_the_admin_login(client, demo_data):
    response = client.get(admin_url("plan"))
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
