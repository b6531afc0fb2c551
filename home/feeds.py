"""RSS 2.0 and Atom feeds of the news (最新消息)."""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from .models import ArticlePage
from .query import public_pages

FEED_SIZE = 20


class NewsFeed(Feed):
    title = "教育部中小學國際教育全球資訊網 — 最新消息"
    description = "教育部中小學國際教育的最新消息與公告。"

    def link(self):
        return "/"

    def items(self):
        news = ArticlePage.objects.live().filter(
            category__in=[ArticlePage.Category.NEWS, ArticlePage.Category.ANNOUNCEMENT]
        )
        return public_pages(news).order_by("-date", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time()))

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [item.get_category_display()]


class NewsAtomFeed(NewsFeed):
    feed_type = Atom1Feed
    subtitle = NewsFeed.description
