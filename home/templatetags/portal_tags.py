"""Template tags of the public portal: menu, breadcrumbs, search highlighting, CSRF placeholder."""

import re
from collections import defaultdict

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from wagtail.models import Page, Site

from home.cache import CSRF_PLACEHOLDER
from home.query import public_pages

register = template.Library()


def _site_root(request):
    site = Site.find_for_request(request) if request is not None else None
    return site.root_page if site is not None else None


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_menu(context):
    """The sections under the site root with their own menu children: two queries in all."""
    request = context.get("request")
    root = _site_root(request)
    current = context.get("page")
    if root is None:
        return {"sections": [], "request": request}
    pages = (
        Page.objects.live()
        .in_menu()
        .filter(path__startswith=root.path, depth__in=(root.depth + 1, root.depth + 2))
    )
    pages = list(public_pages(pages).order_by("path"))
    steplen = Page.steplen
    children = defaultdict(list)
    sections = []
    for menu_page in pages:
        if menu_page.depth == root.depth + 1:
            sections.append(menu_page)
        else:
            children[menu_page.path[:-steplen]].append(menu_page)
    current_path = getattr(current, "path", "")
    return {
        "request": request,
        "home": root,
        "sections": [
            {
                "page": section,
                "children": children.get(section.path, []),
                "active": bool(current_path) and current_path.startswith(section.path),
                "current": current_path == section.path,
            }
            for section in sections
        ],
    }


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page=None):
    page = page or context.get("page")
    root = _site_root(context.get("request"))
    if page is None or root is None or page.depth <= root.depth:
        return {"ancestors": [], "page": page}
    ancestors = page.get_ancestors().filter(depth__gte=root.depth).live()
    return {"ancestors": list(ancestors), "page": page}


@register.simple_tag
def csrf_placeholder():
    """The language switch's CSRF token, filled in per visitor by home.cache."""
    return mark_safe(CSRF_PLACEHOLDER)


@register.filter
def highlight(text, query):
    """Escape ``text`` and wrap each term of ``query`` in <mark>."""
    text = escape(text or "")
    terms = sorted({escape(term) for term in (query or "").split() if term}, key=len, reverse=True)
    if not terms:
        return mark_safe(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda match: f"<mark>{match.group(0)}</mark>", text))


@register.filter
def summary_of(page):
    """A page's short description for listings and search results."""
    for attribute in ("summary", "intro", "search_description"):
        value = getattr(page, attribute, "")
        if value:
            return value
    return ""


@register.simple_tag
def content_lang():
    """` lang="zh-Hant"` on editors' content when the interface is in another language."""
    if translation.get_language() == settings.LANGUAGE_CODE:
        return ""
    return mark_safe(' lang="zh-Hant"')
