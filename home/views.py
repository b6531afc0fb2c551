"""Views of the public portal that are not Wagtail pages: search, site map, robots.txt."""

from django.apps import apps
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend

from .query import public_pages

SEARCH_PAGE_SIZE = 10
SEARCH_MAX_LENGTH = 100


# What the site search looks in, per page type. Chinese is written without spaces, so the
# full-text backends (SQLite FTS5, PostgreSQL tsvector) index a whole sentence as one token and
# miss a word inside it; Wagtail's database "fallback" backend matches substrings of these text
# columns instead, the same on SQLite and PostgreSQL. StreamField bodies are JSON and are left out.
SEARCHED_FIELDS = {
    "intl_reports.OutcomePage": ["title", "display_name", "summary", "features"],
    "home.ArticlePage": ["title", "summary"],
    "home.SectionPage": ["title", "intro"],
    "intl_reports.OutcomeIndexPage": ["title", "intro"],
}
SEARCH_MAX_RESULTS_PER_TYPE = 100


def search_pages(query: str) -> list[Page]:
    """Live public pages matching every term of ``query``: titles first, then the newest."""
    backend = get_search_backend("wagtail.search.backends.database.fallback")
    results = []
    for label, fields in SEARCHED_FIELDS.items():
        hits = backend.search(query, apps.get_model(label).objects.live(), fields=fields)
        results.extend(hits[:SEARCH_MAX_RESULTS_PER_TYPE])
    # Search backends only take filters on indexed fields: drop private pages afterwards.
    public = set(
        public_pages(Page.objects.filter(pk__in=[page.pk for page in results])).values_list(
            "pk", flat=True
        )
    )
    results = [page for page in results if page.pk in public]
    terms = [term.casefold() for term in query.split()]

    def rank(page):
        in_title = any(term in page.title.casefold() for term in terms)
        published = page.first_published_at.timestamp() if page.first_published_at else 0
        return (not in_title, -published)

    return sorted(results, key=rank)


@require_safe
def search(request):
    """Wagtail search over the live, public pages: sections, articles, showcased exchanges."""
    query = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    results_page = None
    if query:
        paginator = Paginator(search_pages(query), SEARCH_PAGE_SIZE)
        results_page = paginator.get_page(request.GET.get("page"))
    context = {
        "search_query": query,
        "results_page": results_page,
        "querystring": urlencode({"q": query}),
    }
    return render(request, "search/search.html", context)


@require_safe
def site_map(request):
    """網站導覽: the page tree down to the third level, and how to use the access keys."""
    site = Site.find_for_request(request)
    root = site.root_page if site else None
    tree = []
    if root is not None:
        pages = Page.objects.live().filter(path__startswith=root.path, depth__lte=root.depth + 3)
        pages = public_pages(pages).order_by("path")
        nodes = {}
        for page in pages:
            node = {"page": page, "children": []}
            nodes[page.path] = node
            parent = nodes.get(page.path[: -Page.steplen])
            if parent is not None:
                parent["children"].append(node)
            elif page.pk == root.pk:
                tree.append(node)
    return render(request, "home/site_map.html", {"tree": tree, "root": root})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /service/",
        "Disallow: /login/",
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
