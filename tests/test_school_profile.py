"""基本資料維護: a school keeps its own basic data current; nothing else may change it."""

import pytest
from django.forms.models import model_to_dict

pytestmark = pytest.mark.django_db

URL = "/service/profile/"
SAVED = "學校基本資料已存檔。"
NOT_SAVED = "資料有誤，尚未存檔，請依欄位說明修正後再存檔。"
INVALID_EMAIL = "請輸入有效的電子郵件地址。"


@pytest.fixture
def valid_data():
    return {
        "address": "臺中市西屯區臺灣大道三段99號",
        "stage": "junior_high",
        "class_count": "國中部12班、高中部18班",
        "student_count": "國中部360人、高中部600人",
        "teacher_count": "72",
        "contact_name": "黃老師",
        "contact_phone": "04-2222-3333#21",
        "contact_mobile": "0933-111-222",
        "contact_email": "intl@north.example.edu.tw",
        "principal_name": "吳校長",
        "principal_phone": "04-2222-3333#10",
        "principal_mobile": "0922-333-444",
    }


def snapshot(school):
    school.refresh_from_db()
    return model_to_dict(school)


def test_the_form_shows_the_school_and_the_help_texts(school_client, school):
    response = school_client.get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert "基本資料維護" in text
    assert school.name in text
    assert school.code in text
    assert school.authority.name in text
    for label in (
        "學校地址",
        "學習階段與類型",
        "班級數",
        "學生數",
        "教師數",
        "聯絡人Email",
        "校長姓名",
    ):
        assert label in text
    for stage in ("國民小學", "國民中學", "普通型高中", "技術型高中", "綜合型高中", "單科型高中"):
        assert stage in text
    # The manual's per-stage help for schools spanning several stages.
    assert "國中部00班、高中部00班" in text
    assert "國中部00人、高中部00人" in text


def test_saving_stores_every_field_and_says_so(school_client, school, valid_data):
    response = school_client.post(URL, valid_data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert SAVED in response.content.decode()
    school.refresh_from_db()
    for field, value in valid_data.items():
        assert getattr(school, field) == value, field


def test_an_invalid_email_is_refused_with_the_field_error_and_the_summary(
    school_client, school, valid_data
):
    before = snapshot(school)
    response = school_client.post(URL, {**valid_data, "contact_email": "not-an-email"})
    text = response.content.decode()
    assert response.status_code == 200
    assert NOT_SAVED in text
    # The summary at the top links to the field ...
    assert '<div class="error-summary"' in text
    assert f'<a href="#id_contact_email">聯絡人Email：{INVALID_EMAIL}</a>' in text
    # ... and the field carries its own message, tied to the input for screen readers.
    assert f'<p class="error-message" id="id_contact_email_error">{INVALID_EMAIL}</p>' in text
    assert 'aria-describedby="id_contact_email_error"' in text
    # What was typed stays on screen.
    assert 'value="not-an-email"' in text
    assert 'value="臺中市西屯區臺灣大道三段99號"' in text
    # Nothing was saved, not even the valid fields.
    assert snapshot(school) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stage", "university", "請選擇有效的選項"),
        ("contact_email", "a@b", INVALID_EMAIL),
        ("address", "路" * 201, "請確認這個值至多包含 200 個字"),
        ("contact_name", "名" * 51, "請確認這個值至多包含 50 個字"),
        ("contact_phone", "02\x002345", "不允許空（null）字元。"),
    ],
)
def test_broken_input_is_refused_and_nothing_is_saved(
    school_client, school, valid_data, field, value, message
):
    before = snapshot(school)
    response = school_client.post(URL, {**valid_data, field: value})
    assert response.status_code == 200
    text = response.content.decode()
    assert NOT_SAVED in text
    assert message in text
    assert snapshot(school) == before


def test_a_ten_kilobyte_field_is_refused_without_error(school_client, school, valid_data):
    before = snapshot(school)
    response = school_client.post(URL, {**valid_data, "class_count": "班" * 10_240})
    assert response.status_code == 200
    assert "請確認這個值至多包含 200 個字" in response.content.decode()
    assert snapshot(school) == before


def test_html_in_fields_is_stored_as_text_and_escaped_on_display(school_client, school, valid_data):
    hostile = '<script>alert("x")</script><b onmouseover=alert(1)>粗體</b>'
    school_client.post(URL, {**valid_data, "contact_name": hostile[:50], "address": hostile})
    school.refresh_from_db()
    assert school.address == hostile
    text = school_client.get(URL).content.decode()
    assert "<script>alert" not in text
    assert "<b onmouseover" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_html_in_an_invalid_post_is_escaped_when_shown_again(school_client, valid_data):
    response = school_client.post(
        URL, {**valid_data, "contact_email": "<img src=x onerror=alert(1)>"}
    )
    text = response.content.decode()
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_name_code_and_authority_cannot_be_changed_by_posting_them(
    school_client, school, other_authority, valid_data
):
    name, code, authority_id = school.name, school.code, school.authority_id
    response = school_client.post(
        URL,
        {
            **valid_data,
            "name": "被竄改的學校",
            "code": "HACKED_001",
            "authority": other_authority.pk,
            "id": 9999,
        },
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.name, school.code, school.authority_id) == (name, code, authority_id)
    assert school.contact_email == valid_data["contact_email"]  # the rest was saved


def test_a_school_edits_only_its_own_school(school_client, school, other_school, valid_data):
    before = snapshot(other_school)
    school_client.post(URL, valid_data)
    assert snapshot(other_school) == before


def test_an_authority_account_gets_403(authority_client, school, valid_data):
    before = snapshot(school)
    assert authority_client.get(URL).status_code == 403
    assert authority_client.post(URL, valid_data).status_code == 403
    assert snapshot(school) == before


def test_an_editor_gets_403_and_uses_the_admin_instead(editor_client):
    assert editor_client.get(URL).status_code == 403


def test_anonymous_post_saves_nothing_and_asks_for_login(client, school, valid_data):
    before = snapshot(school)
    response = client.post(URL, valid_data)
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert snapshot(school) == before


def test_post_without_csrf_token_saves_nothing_and_asks_to_log_in_again(
    school_user, school, valid_data
):
    """A post without a valid CSRF token (e.g. an expired session) is refused; the project's
    CSRF failure view sends the user back to log in rather than showing a technical 403."""
    from django.contrib.messages import get_messages
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(school_user)
    before = snapshot(school)
    response = strict.post(URL, valid_data)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == f"/login/?next={URL}"
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert any("請重新登入" in message for message in shown)
    assert snapshot(school) == before


def test_blank_optional_fields_are_accepted(school_client, school):
    response = school_client.post(URL, {})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.contact_email == ""
    assert school.stage == ""
