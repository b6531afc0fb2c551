"""The showcase list's filters (shareable GET parameters) and the site search."""

import re

import pytest

from home.models import SectionPage
from intl_reports.models import OutcomePage
from intl_reports.models.outcomes import OUTCOMES_PER_PAGE
from tests.portal_helpers import add_outcome, build_portal, clear_page_cache


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    clear_page_cache()


@pytest.fixture
def portal(db):
    return build_portal()


def listed(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    return response, [o.title for o in OutcomePage.objects.all() if f">{o.title}</a>" in html]


@pytest.mark.django_db
class TestShowcaseFilters:
    def test_no_filter_lists_every_live_outcome(self, client, portal):
        _, titles = listed(client, portal.showcase.url)
        assert len(titles) == 3

    def test_academic_year(self, client, portal):
        _, titles = listed(client, portal.showcase.url, year=111)
        assert titles == ["海青高中參與亞洲青年永續高峰會"]

    def test_exchange_type(self, client, portal):
        _, titles = listed(client, portal.showcase.url, exchange_type="outbound")
        assert sorted(titles) == sorted(
            ["嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校", "海青高中參與亞洲青年永續高峰會"]
        )

    def test_region_and_country(self, client, portal):
        _, titles = listed(client, portal.showcase.url, region="歐洲")
        assert titles == ["海青高中參與亞洲青年永續高峰會"]
        _, titles = listed(client, portal.showcase.url, country="日本")
        assert titles == ["光明國中與日本姊妹校線上共學"]

    def test_stage(self, client, portal):
        _, titles = listed(client, portal.showcase.url, stage="elementary")
        assert titles == ["嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校"]

    def test_keyword_matches_chinese_substrings(self, client, portal):
        _, titles = listed(client, portal.showcase.url, q="宿霧")
        assert titles == ["嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校"]
        _, titles = listed(client, portal.showcase.url, q="福岡")  # a partner school
        assert titles == ["光明國中與日本姊妹校線上共學"]

    def test_filters_combine(self, client, portal):
        _, titles = listed(
            client, portal.showcase.url, year=112, region="亞洲", exchange_type="online"
        )
        assert titles == ["光明國中與日本姊妹校線上共學"]

    def test_empty_result_says_so(self, client, portal):
        response, titles = listed(client, portal.showcase.url, year=112, country="新加坡")
        assert titles == []
        assert "找不到符合條件的交流成果" in response.content.decode()
        assert "共 0 筆交流成果" in response.content.decode()

    def test_the_form_shows_the_chosen_filters(self, client, portal):
        html = client.get(portal.showcase.url, {"year": 112, "q": "北園"}).content.decode()
        assert re.search(r'<option value="112" selected>', html)
        assert 'value="北園"' in html
        assert 'href="/exchange/showcase/">清除條件' in html.replace("\n", "")

    def test_a_stale_or_forged_value_is_ignored(self, client, portal):
        _, titles = listed(client, portal.showcase.url, year="abc", stage="nope")
        assert len(titles) == 3

    def test_unpublished_outcomes_are_not_listed(self, client, portal):
        portal.outcomes[0].unpublish()
        _, titles = listed(client, portal.showcase.url)
        assert len(titles) == 2

    def test_pagination_keeps_the_filters(self, client, portal):
        for index in range(OUTCOMES_PER_PAGE + 2):
            add_outcome(
                portal.showcase,
                title=f"加拿大交流{index}",
                types=["inbound"],
                partners=[("北美洲", "加拿大", "")],
            )
        clear_page_cache()
        response, titles = listed(client, portal.showcase.url, region="北美洲")
        html = response.content.decode()
        assert len(titles) == OUTCOMES_PER_PAGE
        assert "page=2" in html and "region=%E5%8C%97%E7%BE%8E%E6%B4%B2&amp;page=2" in html
        _, titles = listed(client, portal.showcase.url, region="北美洲", page=2)
        assert len(titles) == 2


@pytest.mark.django_db
class TestSiteSearch:
    def test_finds_outcomes_and_articles_by_chinese_substrings(self, client, portal):
        html = client.get("/search/", {"q": "菲律賓"}).content.decode()
        assert "找到 1 筆結果" in html
        assert "<mark>菲律賓</mark>" in html

    def test_every_term_must_match(self, client, portal):
        html = client.get("/search/", {"q": "成果報告 期限"}).content.decode()
        assert "找到 3 筆結果" in html  # the three news items
        html = client.get("/search/", {"q": "成果報告 不存在的詞"}).content.decode()
        assert "找不到符合的結果" in html

    def test_sections_are_found_and_titles_rank_first(self, client, portal):
        html = client.get("/search/", {"q": "國際交流"}).content.decode()
        results = re.findall(r"<h3><a href=\"([^\"]+)\">", html)
        assert results[0] == portal.sections["exchange"].url

    def test_highlighting_escapes_html(self, client, portal):
        html = client.get("/search/", {"q": "<script>"}).content.decode()
        assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0]

    def test_private_and_unpublished_pages_are_not_found(self, client, portal):
        from wagtail.models import PageViewRestriction

        PageViewRestriction.objects.create(
            page=portal.news, restriction_type=PageViewRestriction.LOGIN
        )
        portal.outcomes[0].unpublish()
        html = client.get("/search/", {"q": "最新消息"}).content.decode()
        assert "國際教育最新消息第1則" not in html
        html = client.get("/search/", {"q": "菲律賓"}).content.decode()
        assert "找到 0 筆結果" in html

    def test_private_sections_are_not_in_listings(self, client, portal):
        from wagtail.models import PageViewRestriction

        PageViewRestriction.objects.create(
            page=portal.sections["about"], restriction_type=PageViewRestriction.LOGIN
        )
        clear_page_cache()
        html = client.get("/").content.decode()
        assert "認識教育部中小學國際教育中程計畫" not in html
        assert SectionPage.objects.live().count() == 9
