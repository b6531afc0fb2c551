"""登入, 登出, 忘記密碼, 第一次登入: the plan service's account flows, hostile input too."""

import datetime
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from intl_reports.accounts.forms import INACTIVE_LOGIN, INVALID_LOGIN
from tests.factories import (
    AuthorityFactory,
    AuthorityUserFactory,
    EditorFactory,
    SchoolFactory,
    SchoolUserFactory,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/login/"
DEMO_SCHOOL = {"destination": "school", "username": "school001", "password": "Demo-School-2023"}
DEMO_CONTACT = "contact@test-school-001.example.edu.tw"
LINK_SENT = "若帳號資料正確，連結已寄至該帳號登記的聯絡人Email，請於24小時內使用。"
LOCKOUT_TEXT = "登入失敗次數過多，為保護帳號安全，此帳號已暫時鎖定 15 分鐘"
INVALID_LINK = "此連結已失效或已使用過，請重新申請。"
REQUIRED = "必要欄位"  # Django's "This field is required." as Wagtail's catalogue words it
NUL_REFUSED = "不允許空（null）字元。"
TOO_LONG_150 = "請確認這個值至多包含 150 個字 (目前為 10240 個字)。"
STRONG_PASSWORD = "Taipei-101-Tower"


@pytest.fixture
def accounts(db):
    """The demo's three accounts and organisations, without the demo report and its photos.

    The account mechanics need no report; the tests named after the demo load the real thing.
    """
    authority = AuthorityFactory(name="熊大_主管機關", code="BEAR_AUTHORITY")
    school = SchoolFactory(
        authority=authority, name="測試學校001", code="TEST_SCHOOL_001", contact_email=DEMO_CONTACT
    )
    users = [
        SchoolUserFactory(username="school001", school=school),
        AuthorityUserFactory(username="bear_authority", authority=authority),
        EditorFactory(username="editor"),
    ]
    for user, password in zip(
        users, ["Demo-School-2023", "Demo-Authority-2023", "Demo-Editor-2023"], strict=True
    ):
        user.set_password(password)
        user.save()


def login(client, follow=False, **overrides):
    return client.post(LOGIN_URL, {**DEMO_SCHOOL, **overrides}, follow=follow)


def page_text(response):
    return response.content.decode()


def assert_logged_out(client):
    assert SESSION_KEY not in client.session


def link_in(mail, kind):
    """The one absolute link of an account e-mail (kind: 'activate' or 'reset')."""
    links = re.findall(rf"http://testserver/login/{kind}/[^/\s]+/[^/\s]+/", mail.body)
    assert len(links) == 1, mail.body
    return links[0].removeprefix("http://testserver")


def set_password(client, link, password, confirmation=None):
    """Follow a link from an e-mail and submit the new password on the form it leads to."""
    response = client.get(link)
    assert response.status_code == 302  # Django moves the token out of the URL
    form_url = response.url
    return client.post(
        form_url,
        {"new_password1": password, "new_password2": confirmation or password},
        follow=True,
    )


# ---------------------------------------------------------------- login and the function menu


def test_login_page_shows_the_manual_fields(client):
    response = client.get(LOGIN_URL)
    text = page_text(response)
    assert response.status_code == 200
    for label in ("欲前往", "帳號", "密碼", "忘記密碼?", "第一次登入"):
        assert label in text
    assert '<option value="school" selected>學校</option>' in text
    assert '<option value="authority">主管機關</option>' in text
    assert (
        "no-cache" in response.headers["Cache-Control"]
        or "max-age=0" in (response.headers["Cache-Control"])
    )


def test_demo_school_logs_in_and_lands_on_the_function_menu(client, demo_data):
    response = login(client, follow=True)
    assert response.redirect_chain == [("/service/", 302)]
    text = page_text(response)
    assert response.status_code == 200
    assert "功能選單" in text
    assert "測試學校001" in text
    # In-scope entries are links.
    assert f'href="{reverse("intl_reports:school_profile")}"' in text
    assert f'href="{reverse("intl_reports:report_list")}"' in text
    assert f'href="{reverse("intl_reports:plan_list")}"' in text
    # Out-of-scope entries are listed but shown as not provided here.
    for label in ("TPSF", "學校國際化申請", "國際教育2.0賞查", "國際教育2.0成效評估調查"):
        assert re.search(rf"{re.escape(label)}\s*<small>（本系統未提供）</small>", text), label
    assert text.count("本系統未提供") == 8


def test_demo_authority_logs_in_and_has_no_school_profile_entry(client, demo_data):
    response = client.post(
        LOGIN_URL,
        {
            "destination": "authority",
            "username": "bear_authority",
            "password": "Demo-Authority-2023",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/service/", 302)]
    text = page_text(response)
    assert "熊大_主管機關" in text
    assert "基本資料維護" not in text


def test_school_account_choosing_authority_gets_the_wrong_destination_message(client, accounts):
    response = login(client, destination="authority")
    assert response.status_code == 200
    assert "此帳號不是「主管機關」帳號，請確認「欲前往」的選項。" in page_text(response)
    assert_logged_out(client)


def test_authority_account_choosing_school_gets_the_wrong_destination_message(client, accounts):
    response = client.post(
        LOGIN_URL,
        {"destination": "school", "username": "bear_authority", "password": "Demo-Authority-2023"},
    )
    assert "此帳號不是「學校」帳號，請確認「欲前往」的選項。" in page_text(response)
    assert_logged_out(client)


def test_editor_cannot_log_into_the_plan_service(client, accounts):
    response = client.post(
        LOGIN_URL, {"destination": "school", "username": "editor", "password": "Demo-Editor-2023"}
    )
    assert "此帳號不是「學校」帳號" in page_text(response)
    assert_logged_out(client)


def test_unknown_account_and_wrong_password_give_the_same_message(client, accounts):
    unknown = login(client, username="no_such_school")
    wrong = login(client, password="Wrong-Password-1")
    assert unknown.status_code == wrong.status_code == 200
    assert INVALID_LOGIN in page_text(unknown)
    assert INVALID_LOGIN in page_text(wrong)

    def summary(response):
        return re.search(r'<div class="error-summary".*?</div>', page_text(response), re.S)[0]

    # The whole error summary is identical: nothing tells whether the account exists.
    assert summary(unknown) == summary(wrong)
    assert_logged_out(client)


def test_inactive_account_with_the_right_password_gets_the_activation_hint(client, school):
    SchoolUserFactory(username="sleepy", school=school, is_active=False)
    response = login(client, username="sleepy", password="Factory-Pass-2024")
    assert INACTIVE_LOGIN in page_text(response)
    assert_logged_out(client)


def test_inactive_account_with_a_wrong_password_gets_the_generic_message(client, school):
    SchoolUserFactory(username="sleepy", school=school, is_active=False)
    response = login(client, username="sleepy", password="Not-The-Password-1")
    text = page_text(response)
    assert INVALID_LOGIN in text
    assert INACTIVE_LOGIN not in text


def test_five_failures_lock_the_account_even_for_the_right_password(client, accounts):
    for _attempt in range(4):
        response = login(client, password="Wrong-Password-1")
        assert response.status_code == 200
        assert INVALID_LOGIN in page_text(response)
    fifth = login(client, password="Wrong-Password-1")
    assert fifth.status_code == 429
    assert LOCKOUT_TEXT in page_text(fifth)

    right = login(client)
    assert right.status_code == 429
    assert LOCKOUT_TEXT in page_text(right)
    assert_logged_out(client)
    assert client.get("/service/").status_code == 302


def test_lockout_is_per_account_not_per_address(client, accounts, school_user):
    for _attempt in range(5):
        login(client, password="Wrong-Password-1")
    # Another teacher behind the same school NAT address still gets in.
    response = login(client, username="north001", password="Factory-Pass-2024")
    assert response.status_code == 302
    assert response.url == "/service/"


def test_a_success_resets_the_failure_count(client, accounts):
    for _attempt in range(4):
        login(client, password="Wrong-Password-1")
    assert login(client).status_code == 302
    client.post("/logout/")
    for _attempt in range(4):
        response = login(client, password="Wrong-Password-1")
        assert response.status_code == 200
    assert login(client).status_code == 302


def test_logout_by_post_then_the_service_asks_for_login(client, accounts):
    login(client)
    assert client.get("/service/").status_code == 200
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert "您已登出。" in page_text(response)
    assert_logged_out(client)
    after = client.get("/service/")
    assert after.status_code == 302
    assert after.url == "/login/?next=/service/"


def test_logout_by_get_is_refused_and_keeps_the_session(school_client):
    response = school_client.get("/logout/")
    assert response.status_code == 405
    assert school_client.get("/service/").status_code == 200


def test_next_inside_the_site_is_followed(client, accounts):
    response = login(client, next="/service/reports/")
    assert response.status_code == 302
    assert response.url == "/service/reports/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/service/",
        "javascript:alert(1)",
        "/\\evil.example/",
        "https:///evil.example/",
    ],
)
def test_open_redirect_targets_are_ignored(client, accounts, target):
    response = login(client, next=target)
    assert response.status_code == 302
    assert response.url == "/service/"


def test_next_in_the_query_string_is_escaped_in_the_hidden_field(client):
    response = client.get(LOGIN_URL, {"next": '"><script>alert(1)</script>'})
    text = page_text(response)
    assert "<script>alert(1)</script>" not in text
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text


# ---------------------------------------------------------------- hostile and broken input


def test_ten_kilobyte_username_is_refused_without_error(client, accounts):
    response = login(client, username="a" * 10_240)
    assert response.status_code == 200
    assert "帳號" in page_text(response)
    assert TOO_LONG_150 in page_text(response)
    assert_logged_out(client)


@pytest.mark.parametrize("field", ["username", "password"])
def test_nul_bytes_are_refused_without_error(client, accounts, field):
    value = DEMO_SCHOOL[field][:4] + "\x00" + DEMO_SCHOOL[field][4:]
    response = login(client, **{field: value})
    assert response.status_code == 200
    assert NUL_REFUSED in page_text(response)
    assert_logged_out(client)


def test_html_in_the_username_is_escaped_when_the_form_is_shown_again(client, accounts):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = login(client, username=hostile)
    text = page_text(response)
    assert response.status_code == 200
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert INVALID_LOGIN in text


def test_an_empty_post_lists_every_missing_field_in_chinese(client):
    response = client.post(LOGIN_URL, {})
    text = page_text(response)
    assert response.status_code == 200
    assert "資料有誤，尚未存檔" in text
    for label in ("欲前往", "帳號", "密碼"):
        assert f"{label}：{REQUIRED}" in text


def test_an_unknown_destination_is_refused(client, accounts):
    response = login(client, destination="superuser")
    assert response.status_code == 200
    assert "請選擇有效的選項" in page_text(response)
    assert_logged_out(client)


def test_a_post_without_csrf_token_is_refused(accounts):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN_URL, DEMO_SCHOOL)
    # Refused: Django's 403, or the project's CSRF failure view sending back to the login.
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith(LOGIN_URL)
    assert_logged_out(strict)
    assert strict.get("/service/").status_code == 302


# ---------------------------------------------------------------- 忘記密碼


def test_forgot_password_mails_one_reset_link_to_the_school_contact(client, demo_data, mailoutbox):
    response = client.post(
        "/login/forgot/", {"destination": "school", "username": "school001"}, follow=True
    )
    assert response.redirect_chain == [(LOGIN_URL, 302)]
    assert LINK_SENT in page_text(response)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [DEMO_CONTACT]
    assert mail.subject == "【教育部中小學國際教育全球資訊網】重設密碼連結"
    assert "school001" in mail.body
    assert "24 小時內" in mail.body
    link_in(mail, "reset")


@pytest.mark.parametrize(
    "data",
    [
        {"destination": "school", "username": "no_such_school"},
        # The right account under the wrong destination gets nothing either.
        {"destination": "authority", "username": "school001"},
    ],
)
def test_forgot_password_for_an_unknown_account_says_the_same_and_sends_nothing(
    client, accounts, mailoutbox, data
):
    response = client.post("/login/forgot/", data, follow=True)
    assert response.redirect_chain == [(LOGIN_URL, 302)]
    assert LINK_SENT in page_text(response)
    assert mailoutbox == []


def test_forgot_password_for_an_inactive_account_sends_nothing(client, school, mailoutbox):
    SchoolUserFactory(username="sleepy", school=school, is_active=False)
    client.post("/login/forgot/", {"destination": "school", "username": "sleepy"})
    assert mailoutbox == []


def test_reset_link_sets_a_new_password(client, demo_data, mailoutbox, django_user_model):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    response = set_password(client, link_in(mailoutbox[0], "reset"), STRONG_PASSWORD)
    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert "密碼已重設，請以新密碼登入。" in page_text(response)
    user = django_user_model.objects.get(username="school001")
    assert user.check_password(STRONG_PASSWORD)
    assert not user.check_password("Demo-School-2023")
    assert login(client, password=STRONG_PASSWORD).status_code == 302


def test_reset_refuses_a_weak_password_with_django_chinese_messages(
    client, accounts, mailoutbox, django_user_model
):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    response = set_password(client, link_in(mailoutbox[0], "reset"), "12345678")
    text = page_text(response)
    assert response.status_code == 200
    assert "密碼太短，必須至少 10 個字元。" in text
    assert "這個密碼太常見了。" in text
    assert "這個密碼只包含數字。" in text
    assert "密碼必須同時包含英文字母與數字。" in text
    assert django_user_model.objects.get(username="school001").check_password("Demo-School-2023")


def test_reset_refuses_a_long_password_without_digits(
    client, accounts, mailoutbox, django_user_model
):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    response = set_password(client, link_in(mailoutbox[0], "reset"), "Formosa-Black-Bears")
    text = page_text(response)
    assert "密碼必須同時包含英文字母與數字。" in text
    assert "密碼太短" not in text
    assert django_user_model.objects.get(username="school001").check_password("Demo-School-2023")


def test_reset_refuses_two_different_passwords(client, accounts, mailoutbox):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    response = set_password(
        client, link_in(mailoutbox[0], "reset"), STRONG_PASSWORD, "Taipei-102-Tower"
    )
    assert "輸入的兩個密碼不一致。" in page_text(response)


def test_reset_link_works_only_once(client, accounts, mailoutbox):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    link = link_in(mailoutbox[0], "reset")
    set_password(client, link, STRONG_PASSWORD)
    again = client.get(link, follow=True)
    assert INVALID_LINK in page_text(again)
    assert "new_password1" not in page_text(again)


def test_reset_link_expires(client, accounts, mailoutbox, django_user_model):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    link = link_in(mailoutbox[0], "reset")
    later = datetime.datetime.now() + datetime.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60
    )
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later
    ):
        response = client.get(link, follow=True)
    assert INVALID_LINK in page_text(response)
    assert django_user_model.objects.get(username="school001").check_password("Demo-School-2023")


def test_reset_link_is_still_valid_just_before_it_expires(client, accounts, mailoutbox):
    client.post("/login/forgot/", {"destination": "school", "username": "school001"})
    link = link_in(mailoutbox[0], "reset")
    later = datetime.datetime.now() + datetime.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT - 600
    )
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later
    ):
        response = client.get(link)
    assert response.status_code == 302
    assert response.url.endswith("/set-password/")


@pytest.mark.parametrize(
    "link",
    [
        "/login/reset/MQ/not-a-token/",
        "/login/reset/%00%00/abc-def/",
        "/login/reset/" + "A" * 5000 + "/abc-def/",
        "/login/activate/<script>/abc/",
    ],
)
def test_forged_links_are_refused_without_error(client, accounts, link):
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert INVALID_LINK in page_text(response)


# ---------------------------------------------------------------- 第一次登入


@pytest.fixture
def new_account(school):
    """An account the ministry created: inactive until its owner sets a password."""
    return SchoolUserFactory(username="newcomer", school=school, is_active=False)


def test_first_login_mails_an_activation_link(client, new_account, school, mailoutbox):
    response = client.post(
        "/login/first/", {"destination": "school", "username": "newcomer"}, follow=True
    )
    assert LINK_SENT in page_text(response)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [school.contact_email]
    assert mailoutbox[0].subject == "【教育部中小學國際教育全球資訊網】帳號啟用連結"
    link_in(mailoutbox[0], "activate")


def test_activation_link_activates_and_sets_the_password(
    client, new_account, mailoutbox, django_user_model
):
    client.post("/login/first/", {"destination": "school", "username": "newcomer"})
    response = set_password(client, link_in(mailoutbox[0], "activate"), STRONG_PASSWORD)
    assert "帳號已啟用，請以新密碼登入。" in page_text(response)
    user = django_user_model.objects.get(username="newcomer")
    assert user.is_active
    assert user.check_password(STRONG_PASSWORD)
    assert login(client, username="newcomer", password=STRONG_PASSWORD).status_code == 302


def test_activation_refuses_a_weak_password_and_leaves_the_account_inactive(
    client, new_account, mailoutbox, django_user_model
):
    client.post("/login/first/", {"destination": "school", "username": "newcomer"})
    response = set_password(client, link_in(mailoutbox[0], "activate"), "12345678")
    assert "密碼太短，必須至少 10 個字元。" in page_text(response)
    assert not django_user_model.objects.get(username="newcomer").is_active


def test_activation_link_works_only_once(client, new_account, mailoutbox):
    client.post("/login/first/", {"destination": "school", "username": "newcomer"})
    link = link_in(mailoutbox[0], "activate")
    set_password(client, link, STRONG_PASSWORD)
    assert INVALID_LINK in page_text(client.get(link, follow=True))


def test_first_login_for_an_active_account_sends_nothing(client, accounts, mailoutbox):
    response = client.post(
        "/login/first/", {"destination": "school", "username": "school001"}, follow=True
    )
    assert LINK_SENT in page_text(response)
    assert mailoutbox == []


def test_first_login_for_an_unknown_account_sends_nothing(client, mailoutbox, db):
    response = client.post(
        "/login/first/", {"destination": "school", "username": "ghost"}, follow=True
    )
    assert LINK_SENT in page_text(response)
    assert mailoutbox == []


@pytest.mark.parametrize("url", ["/login/first/", "/login/forgot/"])
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"destination": "school", "username": "x" * 10_240},
        {"destination": "school", "username": "new\x00comer"},
        {"destination": "<b>evil</b>", "username": "newcomer"},
    ],
)
def test_account_link_forms_refuse_broken_input_without_error(
    client, new_account, mailoutbox, url, data
):
    response = client.post(url, data)
    assert response.status_code == 200
    assert "資料有誤，尚未存檔" in page_text(response)
    assert "<b>evil</b>" not in page_text(response)
    assert mailoutbox == []


def test_account_link_form_escapes_html_in_the_username(client, db, mailoutbox):
    response = client.post(
        "/login/forgot/", {"destination": "school", "username": "<script>x</script>"}, follow=True
    )
    # A well-formed but unknown account: the usual answer, nothing mailed, nothing injected.
    assert "<script>x</script>" not in page_text(response)
    assert LINK_SENT in page_text(response)
    assert mailoutbox == []


def test_set_password_form_refuses_nul_bytes_and_empty_fields(client, new_account, mailoutbox):
    client.post("/login/first/", {"destination": "school", "username": "newcomer"})
    link = link_in(mailoutbox[0], "activate")
    form_url = client.get(link).url
    empty = client.post(form_url, {})
    assert empty.status_code == 200
    assert REQUIRED in page_text(empty)
    nul = client.post(
        form_url, {"new_password1": "Taipei\x00101-Tower", "new_password2": "Taipei\x00101-Tower"}
    )
    assert nul.status_code == 200
    assert "資料有誤，尚未存檔" in page_text(nul)
    new_account.refresh_from_db()
    assert not new_account.is_active


# ------------------------------------------------------------------ the sign-in backend


def test_the_backend_loads_the_membership_with_the_user(school_user, django_assert_num_queries):
    from intl_reports import permissions
    from intl_reports.accounts.backends import MembershipBackend

    with django_assert_num_queries(1):
        user = MembershipBackend().get_user(school_user.pk)
        membership = permissions.membership_of(user)
        assert permissions.school_of(user) == school_user.membership.school
        assert membership.school.authority == school_user.membership.school.authority
    editor = EditorFactory()
    with django_assert_num_queries(1):  # no membership: known from the same query
        assert permissions.membership_of(MembershipBackend().get_user(editor.pk)) is None


def test_a_deactivated_account_is_signed_out_at_its_next_request(school_user, school_client):
    report_list = reverse("intl_reports:report_list")
    assert school_client.get(report_list).status_code == 200
    school_user.is_active = False
    school_user.save(update_fields=["is_active"])
    response = school_client.get(report_list)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("intl_reports:login"))
