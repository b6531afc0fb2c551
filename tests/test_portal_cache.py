"""The anonymous page cache: what is cached, for whom, and its purge when editors publish."""

import re

import pytest
from django.test import Client

from home.models import ArticlePage
from tests.portal_helpers import build_portal, clear_page_cache


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    clear_page_cache()


@pytest.fixture
def portal(db):
    return build_portal()


@pytest.mark.django_db
class TestAnonymousPagesAreCached:
    def test_second_view_is_served_from_the_cache(self, client, portal, django_assert_num_queries):
        assert client.get("/").headers["X-Portal-Cache"] == "miss"
        with django_assert_num_queries(0):
            response = client.get("/")
        assert response.headers["X-Portal-Cache"] == "hit"

    def test_each_language_and_query_string_has_its_own_entry(self, client, portal):
        client.get(portal.showcase.url)
        assert client.get(portal.showcase.url, {"year": 112}).headers["X-Portal-Cache"] == "miss"
        client.cookies["portal_language"] = "en"
        assert client.get(portal.showcase.url).headers["X-Portal-Cache"] == "miss"

    def test_logged_in_users_are_never_served_nor_stored(self, client, portal, school_user):
        client.get("/")  # cached for anonymous visitors
        member = Client()
        member.force_login(school_user)
        response = member.get("/")
        assert "X-Portal-Cache" not in response.headers
        member.get(portal.news.url)
        assert client.get(portal.news.url).headers["X-Portal-Cache"] == "miss"

    @pytest.mark.parametrize("path", ["/login/", "/service/", "/admin/login/", "/media/x.jpg"])
    def test_private_areas_are_never_cached(self, client, portal, path):
        client.get(path)
        assert "X-Portal-Cache" not in client.get(path).headers

    def test_not_found_is_not_cached(self, client, portal):
        client.get("/missing/")
        assert "X-Portal-Cache" not in client.get("/missing/").headers

    def test_each_visitor_gets_a_working_csrf_token(self, portal):
        first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
        first.get("/")
        html = second.get("/").content.decode()
        assert "__PORTAL_CSRF_TOKEN__" not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        response = second.post(
            "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
        assert second.cookies["portal_language"].value == "en"
        assert '<html lang="en">' in second.get("/").content.decode()


@pytest.mark.django_db
class TestPublishingPurgesTheCache:
    def test_a_new_revision_shows_at_once(self, client, portal):
        article = portal.articles[0]
        client.get(article.url)
        client.get("/")
        article = ArticlePage.objects.get(pk=article.pk)
        article.title = "更新後的標題"
        article.save_revision().publish()
        assert "更新後的標題" in client.get(article.url).content.decode()
        assert "更新後的標題" in client.get("/").content.decode()

    def test_unpublishing_removes_the_page(self, client, portal):
        outcome = portal.outcomes[0]
        assert client.get(outcome.url).status_code == 200
        client.get(portal.showcase.url)
        outcome.unpublish()
        assert client.get(outcome.url).status_code == 404
        assert outcome.title not in client.get(portal.showcase.url).content.decode()

    def test_a_draft_is_not_shown(self, client, portal):
        article = ArticlePage.objects.get(pk=portal.articles[0].pk)
        client.get(article.url)
        article.title = "草稿標題"
        article.save_revision()  # a draft: not published
        assert "草稿標題" not in client.get(article.url).content.decode()
