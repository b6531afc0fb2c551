from django.urls import path

from . import feeds, views

app_name = "home"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("sitemap/", views.site_map, name="site_map"),
    path("news/rss.xml", feeds.NewsFeed(), name="news_rss"),
    path("news/atom.xml", feeds.NewsAtomFeed(), name="news_atom"),
]
