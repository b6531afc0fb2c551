"""The portal's demo content: complete, and idempotent."""

import pytest
from wagtail.models import Page, Revision, Site

from home.demo import load_portal_demo
from home.models import ArticlePage, HomePage, SectionPage
from intl_reports.models import OutcomePage, PortalImage


@pytest.mark.django_db
def test_demo_content_is_complete_and_a_second_run_changes_nothing(client):
    load_portal_demo()
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    menu = [p.title for p in SectionPage.objects.child_of(home).in_menu()]
    assert menu == [
        "認識教育部中小學國際教育中程計畫",
        "課程發展與教學",
        "國際交流",
        "學校國際化",
        "培力課程",
        "高級中等以下學校國際教育交流聯盟",
        "國際法規",
    ]
    assert ArticlePage.objects.live().filter(category="news").count() >= 3
    assert OutcomePage.objects.live().count() >= 3
    beiyuan = OutcomePage.objects.get(title__startswith="嘉市北園國小訪菲律賓")
    assert beiyuan.countries() == ["菲律賓"]
    images = PortalImage.objects.filter(collection__name="入口網站")
    assert images.count() >= 3 and not images.filter(school__isnull=False).exists()
    assert home.featured_outcomes.count() == 3

    counts = (Page.objects.count(), Revision.objects.count(), PortalImage.objects.count())
    load_portal_demo()
    assert (Page.objects.count(), Revision.objects.count(), PortalImage.objects.count()) == counts

    for url in ["/", beiyuan.url, beiyuan.get_parent().url, "/news/"]:
        assert client.get(url).status_code == 200
