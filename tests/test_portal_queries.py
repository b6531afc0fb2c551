"""Rendering a page takes a bounded number of queries, however many outcomes and news exist."""

import pytest
from django.test import Client

from tests.portal_helpers import add_article, build_portal, clear_page_cache

MAX_QUERIES = 20


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 500])
def test_uncached_renders_are_bounded(count, django_assert_max_num_queries):
    portal = build_portal(outcomes=count, articles=3)
    for index in range(count // 10):
        add_article(portal.news, title=f"消息{index}")
    outcome = portal.outcomes[-1]
    urls = [
        "/",
        portal.sections["exchange"].url,
        portal.news.url,
        portal.articles[0].url,
        portal.showcase.url,
        f"{portal.showcase.url}?year=112&region=亞洲&exchange_type=outbound&page=2",
        outcome.url,
        "/search/?q=交流",
        "/sitemap/",
    ]
    client = Client()
    for url in urls:  # first render: renditions are created
        assert client.get(url).status_code == 200, url
    for url in urls:
        clear_page_cache()
        with django_assert_max_num_queries(MAX_QUERIES, info=url):
            response = client.get(url)
        assert response.status_code == 200
