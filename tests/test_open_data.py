"""開放資料: de-identified aggregates of accepted reports, as CSV (with BOM) and JSON, public."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone

from intl_reports import opendata, review
from intl_reports.models import OpenDataSnapshot, OutcomeReport, Programme, ReviewState
from intl_reports.models.reference import SchoolStage
from tests.factories import PlanFactory, ProgrammeFactory
from tests.report_helpers import post_tab, tab_data
from tests.test_dashboards import make_report
from tests.test_report_admin import _admin_form, _admin_post_data

PAGE_URL = "/open-data/"
CSV_URL = "/open-data/outcomes.csv"
JSON_URL = "/open-data/outcomes.json"
HEADER = ["學年度", "計畫類別", "統計面向", "項目", "成果報告數", "核定金額合計", "實支金額合計"]


@pytest.fixture
def accepted_world(school, other_school, far_school):
    """Two accepted reports in 112, one in 113; pending and returned ones that must not count."""
    p112 = ProgrammeFactory(academic_year=112)
    p113 = ProgrammeFactory(academic_year=113)
    make_report(
        PlanFactory(programme=p112, school=school),
        countries="日本,韓國",
        types="outbound,online",
        state=ReviewState.ACCEPTED,
        stage=SchoolStage.GENERAL_HIGH,
        approved=337500,
        spent=320625,
    )
    make_report(
        PlanFactory(programme=p112, school=far_school),
        countries="日本",
        types="conference",
        state=ReviewState.ACCEPTED,
        stage=SchoolStage.JUNIOR_HIGH,
        approved=200000,
        spent=200000,
    )
    make_report(
        PlanFactory(programme=p113, school=other_school),
        countries="美國",
        types="inbound",
        state=ReviewState.ACCEPTED,
        stage=SchoolStage.ELEMENTARY,
        approved=0,
        spent=0,
    )
    # Never counted: a draft and a report returned for correction.
    make_report(
        PlanFactory(programme=p112, school=other_school),
        countries="法國",
        types="inbound",
        state=ReviewState.PENDING,
        approved=999999,
        spent=999999,
    )
    make_report(
        PlanFactory(programme=p113, school=far_school),
        countries="德國",
        types="outbound",
        state=ReviewState.RETURNED,
        approved=888888,
        spent=888888,
    )


def csv_rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def by_key(rows):
    """{(year, dimension, category): (reports, approved, spent, rate)} from CSV rows."""
    return {(r[0], r[2], r[3]): tuple(r[4:]) for r in rows[1:]}


def test_csv_content_is_hand_computed(accepted_world, client):
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [*HEADER, "經費執行率(%)"]
    data = by_key(rows)
    # 112: 537500 approved, 520625 spent → 96.86 %; 日本 in both reports, 韓國 in one.
    assert data[("112", "全部", "合計")] == ("2", "537500", "520625", "96.86")
    assert data[("112", "交流國家", "日本")] == ("2", "537500", "520625", "96.86")
    assert data[("112", "交流國家", "韓國")] == ("1", "337500", "320625", "95.00")
    assert data[("112", "交流類型", "二、辦理本國學校、師生出訪")] == (
        "1",
        "337500",
        "320625",
        "95.00",
    )
    assert data[("112", "交流類型", "四、參與國際會議及競賽")] == (
        "1",
        "200000",
        "200000",
        "100.00",
    )
    assert data[("112", "學習階段與類型", "普通型高中")] == ("1", "337500", "320625", "95.00")
    assert data[("112", "學習階段與類型", "國民中學")] == ("1", "200000", "200000", "100.00")
    # Nothing approved: no rate (an empty cell, not an error).
    assert data[("113", "全部", "合計")] == ("1", "0", "0", "")
    assert all(r[1] == "國際交流" for r in rows[1:])
    # Newest year first.
    assert rows[1][0] == "113"


def test_only_accepted_reports_count(accepted_world, client):
    text = client.get(CSV_URL).content.decode("utf-8-sig")
    for never in ("法國", "德國", "999999", "888888", "1999998"):
        assert never not in text
    document = json.loads(client.get(JSON_URL).content)
    totals = [r for r in document["records"] if r["dimension"] == "全部"]
    assert sum(r["reports"] for r in totals) == 3


def test_csv_is_utf8_with_bom(accepted_world, client):
    body = client.get(CSV_URL).content
    assert body[:3] == b"\xef\xbb\xbf"
    assert body.count(b"\xef\xbb\xbf") == 1
    text = body.decode("utf-8")  # strict: any other encoding fails here
    assert "學年度" in text and "日本" in text
    assert "\r\n" in text


def test_json_shape(accepted_world, client):
    response = client.get(JSON_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content.decode("utf-8"))
    assert set(document) >= {"title", "license", "fields", "records", "generated_at", "publisher"}
    assert document["license"] == {
        "name": "政府資料開放授權條款－第1版",
        "name_en": "Open Government Data License, version 1.0",
        "url": "https://data.gov.tw/license",
    }
    keys = [f["key"] for f in document["fields"]]
    assert keys == [
        "academic_year",
        "programme",
        "dimension",
        "category",
        "reports",
        "approved_sum",
        "spent_sum",
        "execution_rate",
    ]
    for record in document["records"]:
        assert list(record) == keys
        assert isinstance(record["academic_year"], int)
        assert isinstance(record["reports"], int)
        assert isinstance(record["approved_sum"], int)
        assert record["execution_rate"] is None or isinstance(record["execution_rate"], float)
    japan = next(r for r in document["records"] if r["category"] == "日本")
    assert japan == {
        "academic_year": 112,
        "programme": "國際交流",
        "dimension": "交流國家",
        "category": "日本",
        "reports": 2,
        "approved_sum": 537500,
        "spent_sum": 520625,
        "execution_rate": 96.86,
    }


def test_no_personal_data_and_no_school_names(accepted_world, client, school, far_school):
    outputs = [
        client.get(CSV_URL).content.decode("utf-8-sig"),
        client.get(JSON_URL).content.decode("utf-8"),
        client.get(PAGE_URL).content.decode("utf-8"),
    ]
    secrets = [
        school.name,
        school.code,
        far_school.name,
        school.contact_name,
        school.contact_email,
        school.principal_name,
        school.contact_phone,
        school.address,
        "夥伴學校",  # partner schools' names
        "@",
    ]
    for text in outputs[:2]:
        for secret in secrets:
            assert secret not in text, secret
    page = outputs[2]
    for secret in secrets[:-1]:
        assert secret not in page, secret


@pytest.mark.parametrize("country", ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\t=1+1"])
def test_formula_cells_are_neutralised(school, client, country):
    make_report(
        PlanFactory(programme=ProgrammeFactory(academic_year=112), school=school),
        countries=country,
        state=ReviewState.ACCEPTED,
    )
    rows = csv_rows(client.get(CSV_URL))
    categories = [r[3] for r in rows[1:] if r[2] == "交流國家"]
    assert categories == ["'" + country.strip()]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t")), cell


def test_neutralise():
    assert opendata.neutralise("=1+1") == "'=1+1"
    assert opendata.neutralise("-5") == "'-5"
    assert opendata.neutralise("日本") == "日本"
    assert opendata.neutralise(5) == 5  # numbers are numbers


def test_public_access_and_caching(accepted_world, client):
    for url in (PAGE_URL, CSV_URL, JSON_URL):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and "max-age=600" in cache_control
        assert "private" not in cache_control
    assert client.get(JSON_URL)["Access-Control-Allow-Origin"] == "*"
    assert client.post(CSV_URL).status_code == 405


def test_logged_in_users_get_the_same_public_files(accepted_world, client, authority_client):
    assert authority_client.get(CSV_URL).content == client.get(CSV_URL).content


def test_page_states_the_licence_and_links_the_files(accepted_world, client):
    html = client.get(PAGE_URL).content.decode()
    assert "<h1>開放資料</h1>" in html
    assert "政府資料開放授權條款－第1版" in html
    assert "Open Government Data License, version 1.0" in html
    assert 'href="https://data.gov.tw/license"' in html
    assert f'href="{CSV_URL}"' in html and f'href="{JSON_URL}"' in html
    assert "96.86" in html  # the latest totals


def test_empty_dataset(db, client):
    rows = csv_rows(client.get(CSV_URL))
    assert rows == [[*HEADER, "經費執行率(%)"]]
    assert json.loads(client.get(JSON_URL).content)["records"] == []
    assert "目前尚無已審閱的成果報告" in client.get(PAGE_URL).content.decode()


def test_dataset_is_one_query(accepted_world, django_assert_num_queries):
    with django_assert_num_queries(1):
        dataset = opendata.build_dataset()
    assert len(dataset.records) > 0


# ------------------------------------------------------------------ stored dataset


def fresh_figures(client) -> dict:
    """The CSV's figures as a visitor gets them once the cache has expired."""
    cache.clear()
    return by_key(csv_rows(client.get(CSV_URL)))


def total_112(figures):
    return figures[("112", "全部", "合計")]


def test_the_stored_dataset_is_served_once_the_cache_expired(
    accepted_world, client, django_assert_num_queries, monkeypatch
):
    first = client.get(CSV_URL).content
    snapshot = OpenDataSnapshot.objects.get()
    assert snapshot.stamp == opendata.generation_stamp()
    cache.clear()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the stored dataset should have been served")

    monkeypatch.setattr(opendata, "build_dataset", no_rebuild)
    # Three queries for the stamp, one for the stored copy: however many reports there are.
    with django_assert_num_queries(4):
        second = client.get(CSV_URL).content
    assert second == first
    # The time of the build that is served, not of this request.
    generated_at = json.loads(client.get(JSON_URL).content)["generated_at"]
    assert generated_at == DjangoJSONEncoder().default(snapshot.generated_at)


def test_a_tab_save_of_an_accepted_report_rebuilds_it(
    accepted_world, client, school, school_client
):
    assert total_112(fresh_figures(client)) == ("2", "537500", "520625", "96.86")
    report = OutcomeReport.objects.get(plan__school=school, plan__programme__academic_year=112)
    assert report.review_state == ReviewState.ACCEPTED  # still open to its school: not past
    data = tab_data(school_client, report.plan, "budget")
    data["budget-0-spent"] = "200000"
    data["budget-1-spent"] = "120000"
    assert post_tab(school_client, report.plan, "budget", data).status_code == 302
    # 320000 + 200000 spent of 337500 + 200000 approved.
    assert total_112(fresh_figures(client)) == ("2", "537500", "520000", "96.74")


def test_deleting_an_accepted_report_rebuilds_it(accepted_world, client, far_school):
    assert total_112(fresh_figures(client)) == ("2", "537500", "520625", "96.86")
    OutcomeReport.objects.get(plan__school=far_school, plan__programme__academic_year=112).delete()
    figures = fresh_figures(client)
    assert total_112(figures) == ("1", "337500", "320625", "95.00")
    assert ("112", "學習階段與類型", "國民中學") not in figures


def test_returning_an_accepted_report_rebuilds_it(accepted_world, client, far_school, editor_user):
    assert total_112(fresh_figures(client)) == ("2", "537500", "520625", "96.86")
    report = OutcomeReport.objects.get(plan__school=far_school, plan__programme__academic_year=112)
    review.return_for_correction(
        report, editor_user, "請補上活動照片。", timezone.now() + datetime.timedelta(days=7)
    )
    assert total_112(fresh_figures(client)) == ("1", "337500", "320625", "95.00")


def test_accepting_a_report_rebuilds_it(accepted_world, client, other_school, editor_user):
    figures = fresh_figures(client)
    assert ("112", "交流國家", "法國") not in figures
    report = OutcomeReport.objects.get(
        plan__school=other_school, plan__programme__academic_year=112
    )
    review.accept(report, editor_user)
    figures = fresh_figures(client)
    assert total_112(figures) == ("3", "1537499", "1520624", "98.90")
    assert figures[("112", "交流國家", "法國")] == ("1", "999999", "999999", "100.00")


def test_an_editors_correction_in_the_admin_rebuilds_it(accepted_world, client, far_school):
    """The admin's edit form does not set last_saved_at; it bumps row_version, which the
    stamp adds up."""
    assert total_112(fresh_figures(client)) == ("2", "537500", "520625", "96.86")
    report = OutcomeReport.objects.get(plan__school=far_school, plan__programme__academic_year=112)
    saved_at = report.last_saved_at
    line = {"item": "其他", "secondary_use": "", "approved": 337500, "spent": 300000, "notes": ""}
    form = _admin_form(report, _admin_post_data(report, report.row_version, [line]))
    assert form.is_valid(), form.errors
    form.save()
    assert OutcomeReport.objects.get(pk=report.pk).last_saved_at == saved_at
    # 320625 + 300000 spent of 337500 + 337500 approved.
    assert total_112(fresh_figures(client)) == ("2", "675000", "620625", "91.94")


def test_a_programme_corrected_rebuilds_it(accepted_world, client):
    assert ("113", "全部", "合計") in fresh_figures(client)
    Programme.objects.filter(academic_year=113).update(academic_year=114)
    figures = fresh_figures(client)
    assert ("113", "全部", "合計") not in figures
    assert figures[("114", "全部", "合計")] == ("1", "0", "0", "")


def test_a_stored_copy_older_than_a_day_is_rebuilt(accepted_world, client, monkeypatch):
    fresh_figures(client)
    old = timezone.now() - opendata.STORED_MAX_AGE - datetime.timedelta(minutes=1)
    OpenDataSnapshot.objects.update(generated_at=old)
    calls = []
    build = opendata.build_dataset
    monkeypatch.setattr(opendata, "build_dataset", lambda: calls.append(1) or build())
    assert total_112(fresh_figures(client)) == ("2", "537500", "520625", "96.86")
    assert calls == [1]
    assert OpenDataSnapshot.objects.get().generated_at > old


def test_the_stamp_changes_with_every_kind_of_change_and_only_then(accepted_world, editor_user):
    stamps = [opendata.generation_stamp()]
    assert opendata.generation_stamp() == stamps[0]  # nothing changed
    pending = OutcomeReport.objects.filter(review_state=ReviewState.PENDING).get()
    OutcomeReport.objects.filter(pk=pending.pk).update(spent_sum=1)  # not accepted: no change
    assert opendata.generation_stamp() == stamps[0]
    accepted = OutcomeReport.objects.filter(review_state=ReviewState.ACCEPTED).first()
    for change in (
        lambda: OutcomeReport.objects.filter(pk=accepted.pk).update(
            row_version=F("row_version") + 1
        ),
        lambda: OutcomeReport.objects.filter(pk=accepted.pk).update(last_saved_at=timezone.now()),
        lambda: review.accept(pending, editor_user),
        lambda: review.return_for_correction(
            pending, editor_user, "請補正。", timezone.now() + datetime.timedelta(days=3)
        ),
        lambda: accepted.delete(),
    ):
        change()
        stamps.append(opendata.generation_stamp())
        assert stamps[-1] != stamps[-2]
