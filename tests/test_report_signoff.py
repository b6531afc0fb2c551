"""核章 by e-mail: the request mails a signed link; opening it shows what is confirmed; the
button records the time shown on tab 1; the link works once, expires, and cannot be forged."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from intl_reports.models import OutcomeReport
from tests import report_helpers
from tests.report_helpers import html_of, post_tab, signoff_url, tab_data, tab_url

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
demo_plan = report_helpers.demo_plan

LINK = re.compile(r"http://testserver(/signoff/[^/\s]+/)")
CONFIRMED = re.compile(r"已透過email確認 \((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\)")


@pytest.fixture
def report(school_client, own_report):
    """The school's report with the unit head's and principal's e-mails filled in on tab 1."""
    plan = own_report.plan
    data = tab_data(school_client, plan, "school")
    data["unit_head_name"] = "林主任"
    data["unit_head_email"] = "director@north.example.edu.tw"
    data["principal_email"] = "principal@north.example.edu.tw"
    assert post_tab(school_client, plan, "school", data).status_code == 302
    mail.outbox.clear()
    # Saved a minute ago: the mail is opened later than the save, as in real life.
    OutcomeReport.objects.filter(pk=own_report.pk).update(
        last_saved_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    return OutcomeReport.objects.get(pk=own_report.pk)


def request_link(client, plan, role="unit_head") -> str:
    response = client.post(signoff_url(plan, role), follow=True)
    assert response.redirect_chain[-1][0] == tab_url(plan, "school")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def test_the_request_mails_a_link_to_the_unit_head(school_client, report):
    plan = report.plan
    response = school_client.post(signoff_url(plan, "unit_head"), follow=True)
    assert "已寄送「承辦單位主任核章」確認信至 director@north.example.edu.tw。" in html_of(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["director@north.example.edu.tw"]
    assert "成果報告核章確認" in message.subject and report.school_name in message.subject
    assert "承辦單位主任核章" in message.body
    assert "7 天內" in message.body
    assert LINK.search(message.body)


def test_the_principal_link_goes_to_the_principal(school_client, report):
    request_link(school_client, report.plan, "principal")
    assert mail.outbox[0].to == ["principal@north.example.edu.tw"]


def test_opening_the_link_shows_and_the_button_confirms(school_client, report):
    plan = report.plan
    link = request_link(school_client, plan)
    anyone = Client()  # the unit head may have no account
    page = anyone.get(link)
    assert page.status_code == 200
    html = html_of(page)
    assert "成果報告核章確認" in html and report.school_name in html
    assert "承辦單位主任核章" in html and ">確認</button>" in html
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    # Opening the link (a mail scanner would) confirms nothing.
    assert OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at is None

    before = timezone.now().replace(microsecond=0)
    done = anyone.post(link)
    assert done.status_code == 200
    confirmed_at = OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at
    assert before <= confirmed_at <= timezone.now()
    stamp = timezone.localtime(confirmed_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"已透過email確認 ({stamp})" in html_of(done)

    tab1 = html_of(school_client.get(tab_url(plan, "school")))
    assert CONFIRMED.search(tab1).group(1) == stamp
    assert "此確認早於報告最後一次修改" not in tab1


def test_the_same_link_again_is_already_used(school_client, report):
    link = request_link(school_client, report.plan)
    anyone = Client()
    assert anyone.post(link).status_code == 200
    first = OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at
    for method in (anyone.get, anyone.post):
        response = method(link)
        assert response.status_code == 400
        assert "此確認連結已使用過" in html_of(response)
    assert OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at == first


def test_a_tampered_token_is_invalid(school_client, report):
    link = request_link(school_client, report.plan)
    token = link.removeprefix("/signoff/").rstrip("/")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (flipped, token[:-5], "x" + token, "garbage", token.replace(":", "-", 1)):
        response = Client().post(f"/signoff/{bad}/")
        assert response.status_code == 400, bad
        assert "此確認連結無效" in html_of(response)
        assert Client().get(f"/signoff/{bad}/").status_code == 400
    assert OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at is None


def test_an_expired_token_is_refused(school_client, report):
    eight_days_ago = time.time() - 8 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        link = request_link(school_client, report.plan)
    for method in (Client().get, Client().post):
        response = method(link)
        assert response.status_code == 400
        assert "此確認連結已過期" in html_of(response)
    assert OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at is None


def test_a_link_of_six_days_ago_still_works(school_client, report):
    six_days_ago = time.time() - 6 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=six_days_ago):
        link = request_link(school_client, report.plan)
    assert Client().post(link).status_code == 200
    assert OutcomeReport.objects.get(pk=report.pk).unit_head_confirmed_at is not None


def test_a_new_request_after_a_confirmation_gives_a_new_link(school_client, report):
    plan = report.plan
    first = request_link(school_client, plan)
    Client().post(first)
    mail.outbox.clear()
    second = request_link(school_client, plan)
    assert second != first
    assert Client().post(second).status_code == 200
    assert Client().post(first).status_code == 400


def test_a_save_after_the_confirmation_shows_the_warning(school_client, report):
    plan = report.plan
    Client().post(request_link(school_client, plan))
    data = tab_data(school_client, plan, "work")
    data["work-0-progress"] = "90"
    assert post_tab(school_client, plan, "work", data).status_code == 302
    html = html_of(school_client.get(tab_url(plan, "school")))
    assert CONFIRMED.search(html)
    assert "此確認早於報告最後一次修改" in html


def test_the_demo_confirmation_predates_nothing(demo_school_client, demo_plan):
    html = html_of(demo_school_client.get(tab_url(demo_plan, "school")))
    assert "已透過email確認 (2023-04-10 11:08:25)" in html
    assert "此確認早於報告最後一次修改" not in html


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("unit_head", "請先在「1.學校基本資料表」填寫承辦單位主任的Email並存檔。"),
        ("principal", "請先在「1.學校基本資料表」填寫校長的Email並存檔。"),
    ],
)
def test_a_missing_email_asks_to_fill_it_in(school_client, own_report, role, message):
    assert own_report.unit_head_email == "" and own_report.principal_email == ""
    response = school_client.post(signoff_url(own_report.plan, role), follow=True)
    assert message in html_of(response)
    assert mail.outbox == []


def test_another_school_cannot_request(other_school_client, other_authority_client, report):
    for client in (other_school_client, other_authority_client):
        for role in ("unit_head", "principal"):
            assert client.post(signoff_url(report.plan, role)).status_code == 404
    assert mail.outbox == []


def test_an_unknown_role_is_404(school_client, report):
    assert school_client.post(signoff_url(report.plan, "janitor")).status_code == 404
    assert mail.outbox == []


def test_the_request_needs_post(school_client, report):
    assert school_client.get(signoff_url(report.plan, "unit_head")).status_code == 405
    assert mail.outbox == []


def test_a_confirmation_in_the_same_second_as_the_last_save_is_not_stale(school_client, report):
    """The confirmation time is stored without microseconds; the save time is not. A
    confirmation recorded after the save, within the same second, must not look older."""
    plan = report.plan
    link = request_link(school_client, plan)
    saved_at = timezone.now()
    OutcomeReport.objects.filter(pk=report.pk).update(last_saved_at=saved_at)
    Client().post(link)
    report = OutcomeReport.objects.get(pk=report.pk)
    assert report.unit_head_confirmed_at is not None
    if report.unit_head_confirmed_at.replace(microsecond=0) == saved_at.replace(microsecond=0):
        assert not report.unit_head_confirmation_stale
        assert "此確認早於報告最後一次修改" not in html_of(
            school_client.get(tab_url(plan, "school"))
        )
    else:  # the second turned between the two lines above: the order is plain
        assert report.unit_head_confirmed_at > saved_at
        assert not report.unit_head_confirmation_stale
