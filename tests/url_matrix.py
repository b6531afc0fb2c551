"""The URL permission matrix (issue 7): every URL pattern of the project, every role, one
expected answer each. Read by tests/test_url_matrix.py.

How to add a URL: add one `R(...)` line to `PROJECT` below. Each row names a URL pattern (its
namespaced name, or `name[kwarg,…]` when several patterns share a name), the answer expected
for GET by each role, in the order of `ROLES`, and the keyword arguments that fill it.

Answers:
    200 201 400 403 404 405 409 422 500   that exact status
    login   302 to the plan service's login, ?next= the requested URL
    admin   302 to the Wagtail admin's login, ?next= the requested URL
    302     any other redirect (to=… checks where it leads, when given)
    in      the Wagtail admin let the user in: no login redirect and no 5xx (core admin only)
    -       not requested (POST columns only)
A trailing * (302*) marks a POST allowed to change data; every other POST must leave the
database, the mail outbox and the media files exactly as they were.

Keyword arguments: a literal, or "@kind": the id (or file path) of that kind of object in the
matrix's world. "@plan" is school A's plan; the test also fills it with school B's (same
authority) and school C's (another authority) plan, and with guessed ids, and expects the
answers the table implies for them (see `CROSS_ROLES`). Global objects ("@home", "@page", …)
are the same for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

ROLES = (
    "anonymous",
    "school",  # school A
    "other_school",  # school B, same authority as A
    "authority",  # the authority of A and B
    "other_authority",  # the authority of school C
    "editor",  # ministry editor (Wagtail admin, 教育部編輯 group)
    "superuser",
)

# Who each role "is" when the URL is filled with school B's or school C's objects instead of
# school A's: the answer expected is the one the table gives that stand-in role for A's object.
CROSS_ROLES = {
    "B": {
        "anonymous": "anonymous",
        "school": "other_school",
        "other_school": "school",
        "authority": "authority",
        "other_authority": "other_authority",
        "editor": "editor",
        "superuser": "superuser",
    },
    "C": {
        "anonymous": "anonymous",
        "school": "other_school",
        "other_school": "other_school",
        "authority": "other_authority",
        "other_authority": "authority",
        "editor": "editor",
        "superuser": "superuser",
    },
}

TOKENS = {"200", "201", "302", "400", "403", "404", "405", "409", "422", "500"}
TOKENS |= {"login", "admin", "in", "-"}

# Object kinds that belong to one school (A, B or C): they are swapped and guessed.
SCHOOL_KINDS = {
    "plan",
    "rejected_plan",
    "report",
    "revision",
    "photo",
    "photo_original",
    "photo_rendition",
    "school",
    "authority",
    "extension",
    "user",
}
# Kinds that are database ids (guessed as max id + 1, 0 and -1); the others are file paths.
ID_KINDS = SCHOOL_KINDS - {"photo_original", "photo_rendition"}


@dataclass
class Row:
    key: str
    get: dict[str, str]
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    query: str = ""
    url: str | None = None  # a literal path ("@kind" allowed), for unnamed patterns
    post: dict[str, str] | None = None
    data: str | None = None  # the name of a POST payload built by the test's world
    to: str | None = None  # where a 302 must lead (formatted like kwargs: "@plan" etc.)
    cross: bool = True  # also try the other schools' objects and guessed ids

    @property
    def title(self) -> str:
        return f"{self.key} {self.label}".strip()

    def school_refs(self) -> set[str]:
        refs = {v[1:] for v in self.kwargs.values() if isinstance(v, str) and v.startswith("@")}
        return refs & SCHOOL_KINDS


def _codes(text: str) -> dict[str, str]:
    tokens = text.split()
    assert len(tokens) == len(ROLES), f"{text!r}: {len(tokens)} answers for {len(ROLES)} roles"
    unknown = {token.rstrip("*") for token in tokens} - TOKENS
    assert not unknown, f"{text!r}: unknown answers {unknown}"
    return dict(zip(ROLES, tokens, strict=True))


_OPTIONS = {"label", "query", "url", "data", "to", "cross"}


def R(key, get, *, post=None, **options) -> Row:
    """One row: the options above, and the URL's keyword arguments."""
    kwargs = {name: value for name, value in options.items() if name not in _OPTIONS}
    extra = {name: value for name, value in options.items() if name in _OPTIONS}
    return Row(key, _codes(get), kwargs, post=_codes(post) if post else None, **extra)


EDITORS = "admin admin admin admin admin 200 200"


def editors(answer: str) -> str:
    """Only editors and superusers get in, and both get `answer`."""
    return f"admin admin admin admin admin {answer} {answer}"


def MA(model: str, view: str, *, post=None, **kwargs) -> Row:
    """A wagtail-modeladmin view of the reference data: editors only; `post` is what an
    editor's POST gets (create, edit, delete: the model's `_create`, `_edit` or no payload)."""
    data = {"create": f"{model}_create", "edit": f"{model}_edit"}.get(view, "empty")
    return R(
        f"intl_reports_{model}_modeladmin_{view}",
        EDITORS,
        post=editors(post) if post else None,
        data=data,
        **kwargs,
    )


SNIPPET = "wagtailsnippets_intl_reports_outcomereport:"
CHOOSER = "wagtailsnippetchoosers_intl_reports_outcomereport:"

# fmt: off
# The seven tabs of a school's report answer alike.
#                          anonymous school other_school authority other_authority editor superuser
REPORT_TAB_GET =           "login     200    404          200       404             403    403"
REPORT_TAB_POST =          "login     302*   404          403       404             403    403"

PROJECT: list[Row] = [
    # ---------------------------------------------------------------- plan service (intl_reports)
    R("intl_reports:login",           "200 200 200 200 200 200 200"),
    R("intl_reports:logout",          "405 405 405 405 405 405 405",
      post="302* 302* 302* 302* 302* 302* 302*", data="empty", to="/login/"),
    R("intl_reports:first_login",     "200 200 200 200 200 200 200"),
    R("intl_reports:forgot_password", "200 200 200 200 200 200 200"),
    R("intl_reports:activate",        "200 200 200 200 200 200 200", label="bad token",
      uidb64="@uid", token="bad-token",
      post="200 200 200 200 200 200 200", data="new_password"),
    R("intl_reports:password_reset_confirm", "200 200 200 200 200 200 200", label="bad token",
      uidb64="@uid", token="bad-token",
      post="200 200 200 200 200 200 200", data="new_password"),
    R("intl_reports:menu",            "login 200 200 200 200 403 403"),
    R("intl_reports:school_profile",  "login 200 200 403 403 403 403",
      post="login 302* 302* 403 403 403 403", data="school_profile", to="/service/profile/"),
    R("intl_reports:plan_list",       "login 200 200 200 200 403 403"),
    R("intl_reports:authority_dashboard", "login 403 403 200 200 403 403"),
    R("intl_reports:report_list",     "login 200 200 200 200 403 403"),
    R("intl_reports:report",          "login 302 404 302 404 403 403", plan_id="@plan",
      to="/service/reports/@plan/school/"),
    R("intl_reports:report",          "login 404 404 404 404 403 403", label="rejected plan",
      plan_id="@rejected_plan"),
    # POST-only views answer 405 to a GET before they look the plan up.
    R("intl_reports:photo_upload",    "login 405 405 405 405 403 403", plan_id="@plan",
      post="login 201* 404 403 404 403 403", data="photo"),
    R("intl_reports:signoff_request", "login 405 405 405 405 403 403", plan_id="@plan",
      role="unit_head", post="login 302* 404 302 404 403 403", data="empty",
      to="/service/reports/@plan/school/"),
    R("intl_reports:signoff_request", "login 405 405 405 405 403 403", plan_id="@plan",
      role="nobody", label="unknown role", post="login 404 404 404 404 403 403", data="empty"),
    R("intl_reports:report_pdf",      "login 200 404 200 404 200 200", plan_id="@plan"),
    R("intl_reports:report_pdf",      "login 404 404 404 404 404 404", plan_id="@rejected_plan",
      label="rejected plan"),
    *[
        R("intl_reports:report_tab", REPORT_TAB_GET, plan_id="@plan", tab=tab, label=tab,
          post=REPORT_TAB_POST, data=f"tab_{tab}")
        for tab in ("school", "plan", "work", "budget", "outcomes", "assessment", "results")
    ],
    R("intl_reports:report_tab",      "404 404 404 404 404 404 404", plan_id="@plan",
      tab="nonsense", label="unknown tab"),
    R("intl_reports:report_tab",      "login 404 404 404 404 403 403", plan_id="@rejected_plan",
      tab="school", label="rejected plan"),
    # The e-mailed link is the credential: whoever holds it sees and confirms (by design).
    R("intl_reports:signoff_confirm", "200 200 200 200 200 200 200", token="@signoff_token",
      post="200* 200* 200* 200* 200* 200* 200*", data="empty", label="valid token"),
    R("intl_reports:signoff_confirm", "400 400 400 400 400 400 400", token="forged-token",
      post="400 400 400 400 400 400 400", data="empty", label="forged token"),
    # ---------------------------------------------------------------- public portal
    R("open_data",                    "200 200 200 200 200 200 200"),
    R("open_data_csv",                "200 200 200 200 200 200 200"),
    R("open_data_json",               "200 200 200 200 200 200 200"),
    R("home:search",                  "200 200 200 200 200 200 200", query="?q=交流"),
    R("home:site_map",                "200 200 200 200 200 200 200"),
    R("home:news_rss",                "200 200 200 200 200 200 200"),
    R("home:news_atom",               "200 200 200 200 200 200 200"),
    R("sitemap",                      "200 200 200 200 200 200 200"),
    R("robots_txt",                   "200 200 200 200 200 200 200"),
    R("set_language",                 "302 302 302 302 302 302 302",
      post="302 302 302 302 302 302 302", data="language", to="/"),
    R("wagtail_serve",                "200 200 200 200 200 200 200", label="home", url="/"),
    R("wagtail_serve",                "200 200 200 200 200 200 200", label="published outcome",
      url="@page_url"),
    R("wagtail_serve",                "200 200 200 200 200 200 200", label="showcase",
      url="@showcase_url"),
    R("wagtail_serve",                "404 404 404 404 404 404 404", label="draft outcome",
      url="@draft_url"),
    R("wagtail_serve",                "404 404 404 404 404 404 404", label="unknown page",
      url="/no-such-page/"),
    # Every byte under /media/ is checked: a school's private photo, original and rendition.
    R("media",                        "404 200 404 200 404 200 200", label="photo original",
      path="@photo_original", post="405 405 405 405 405 405 405", data="empty"),
    R("media",                        "404 200 404 200 404 200 200", label="photo rendition",
      path="@photo_rendition"),
    R("media",                        "200 200 200 200 200 200 200", label="public image",
      path="@public_image"),
    R("media",                        "404 404 404 404 404 404 404", label="unknown file",
      path="original_images/no-such-photo.jpg"),
    # ---------------------------------------------------------------- editors' admin (project)
    R("intl_reports_dashboard", EDITORS),
    R("intl_reports_bulk_import", EDITORS, post=editors("302*"), data="bulk_import",
      to="/admin/intl-reports/import/"),
    R("intl_reports_import_template", EDITORS, kind="schools"),
    # Wagtail turns a PermissionDenied under /admin/ into a redirect to the dashboard.
    R("intl_reports_import_template", editors("302"), kind="nonsense", label="unknown kind",
      to="/admin/"),
    R("intl_reports_review", EDITORS, pk="@report", post=editors("302*"), data="review",
      to="/admin/intl-reports/review/@report/"),
    # Featuring needs an accepted report (review first): the form answers with the error.
    R("intl_reports_feature", EDITORS, pk="@report", post=EDITORS, data="feature"),
    R("intl_reports_budget_lines_export", EDITORS, file_format="csv"),
    R("intl_reports_budget_lines_export", EDITORS, file_format="xlsx"),
    R("intl_reports_budget_lines_export", editors("302"), file_format="pdf",
      label="unknown format", to="/admin/"),
    # One school's personal data: export (ZIP) and erase (POST with the school's name typed).
    R("intl_reports_school_data_export", EDITORS, pk="@school"),
    R("intl_reports_school_data_erase", EDITORS, pk="@school", post=EDITORS, data="empty"),
    # The audit log: read-only for editors; no add, edit or delete URL exists at all.
    R("audit_log:index", EDITORS),
    R("audit_log:index_results", EDITORS),
    R("audit_log:inspect", EDITORS, pk="@audit_event", post=editors("405"), data="empty"),
    # The outcome reports snippet viewset: list, exports, revisions, history, compare, locking.
    # Reports are opened from their plan: editors never add nor delete one (superusers may).
    # The edit form's StreamFields cannot be hand-posted (-): the refused roles matter here.
    R(f"{SNIPPET}list", EDITORS),
    R(f"{SNIPPET}list", EDITORS, query="?export=csv", label="CSV export"),
    R(f"{SNIPPET}list", EDITORS, query="?export=xlsx", label="XLSX export"),
    R(f"{SNIPPET}list_results", EDITORS),
    R(f"{SNIPPET}add", "admin admin admin admin admin 302 200", to="/admin/"),
    R(f"{SNIPPET}edit", EDITORS, pk="@report", post=editors("-"), data="empty"),
    R(f"{SNIPPET}delete", "admin admin admin admin admin 302 200", pk="@report",
      post="admin admin admin admin admin 302 302*", data="empty"),
    R(f"{SNIPPET}usage", EDITORS, pk="@report"),
    R(f"{SNIPPET}history", EDITORS, pk="@report"),
    R(f"{SNIPPET}history_results", EDITORS, pk="@report"),
    R(f"{SNIPPET}inspect", EDITORS, pk="@report"),
    R(f"{SNIPPET}revisions_revert", EDITORS, pk="@report", revision_id="@revision",
      post=editors("-"), data="empty"),
    R(f"{SNIPPET}revisions_compare", EDITORS, pk="@report", revision_id_a="earliest",
      revision_id_b="latest", cross=False),
    R(f"{SNIPPET}revisions_compare", EDITORS, pk="@report", revision_id_a="@revision",
      revision_id_b="latest", label="by id"),
    R(f"{SNIPPET}lock", editors("405"), pk="@report", post=editors("302*"), data="empty"),
    R(f"{SNIPPET}unlock", editors("405"), pk="@report", post=editors("302*"), data="empty"),
    R(f"{CHOOSER}choose", EDITORS),
    R(f"{CHOOSER}choose_results", EDITORS),
    R(f"{CHOOSER}chosen", EDITORS, pk="@report"),
    R(f"{CHOOSER}chosen_multiple", EDITORS, query="?id=@report"),
    R(f"{CHOOSER}create", "admin admin admin admin admin 302 200", to="/admin/"),
    # Portal settings (home.PortalSettings): superusers only (the editors' group has no right).
    R("wagtailsettings:edit[app_name,model_name]", editors("302"),
      app_name="home", model_name="portalsettings"),
    R("wagtailsettings:edit[app_name,model_name,pk]", "admin admin admin admin admin 302 200",
      app_name="home", model_name="portalsettings", pk="@settings", to="/admin/"),
    R("wagtailsettings:preview_on_edit", "admin admin admin admin admin 302 404",
      app_name="home", model_name="portalsettings", pk="@settings", to="/admin/"),
]

# Reference data in wagtail-modeladmin, editors only. An editor's POST: 302* saved, 200 the
# form refused it (a duplicate, or deleting a row that others still use), - not posted (a plan
# holds StreamFields, which a hand-made POST cannot fill).
# fmt: off
PROJECT += [
    MA("authority",         "index"),
    MA("authority",         "create",  post="302*"),
    MA("authority",         "edit",    post="302*", instance_pk="@authority"),
    MA("authority",         "delete",  post="200", instance_pk="@authority"),
    MA("authority",         "inspect", instance_pk="@authority"),
    MA("authority",         "history", instance_pk="@authority"),
    MA("school",            "index"),
    MA("school",            "create",  post="302*"),
    MA("school",            "edit",    post="302*", instance_pk="@school"),
    MA("school",            "delete",  post="200", instance_pk="@school"),
    MA("school",            "inspect", instance_pk="@school"),
    MA("school",            "history", instance_pk="@school"),
    MA("programme",         "index"),
    MA("programme",         "create",  post="200"),
    MA("programme",         "edit",    post="302*", instance_pk="@programme"),
    MA("programme",         "delete",  post="200", instance_pk="@programme"),
    MA("programme",         "inspect", instance_pk="@programme"),
    MA("programme",         "history", instance_pk="@programme"),
    MA("deadlineextension", "index"),
    MA("deadlineextension", "create",  post="200"),
    MA("deadlineextension", "edit",    post="302*", instance_pk="@extension"),
    MA("deadlineextension", "delete",  post="302*", instance_pk="@extension"),
    MA("deadlineextension", "history", instance_pk="@extension"),
    MA("plan",              "index"),
    MA("plan",              "create",  post="-"),
    MA("plan",              "edit",    post="-", instance_pk="@plan"),
    MA("plan",              "delete",  post="200", instance_pk="@plan"),
    MA("plan",              "inspect", instance_pk="@plan"),
    MA("plan",              "history", instance_pk="@plan"),
]
# fmt: on

# Wagtail's own URLs that answer differently from the admin rule below.
CORE: list[Row] = [
    R("wagtailadmin_login", "200 200 200 200 200 302 302"),
    R("wagtailadmin_password_reset", "200 200 200 200 200 200 200"),
    R("wagtailadmin_password_reset_done", "200 200 200 200 200 200 200"),
    R(
        "wagtailadmin_password_reset_confirm",
        "200 200 200 200 200 200 200",
        uidb64="@uid",
        token="bad-token",
    ),
    R("wagtailadmin_password_reset_complete", "200 200 200 200 200 200 200"),
    R("wagtailadmin_javascript_catalog", "200 200 200 200 200 200 200"),
    R("wagtailadmin_sprite", "200 200 200 200 200 200 200"),
    # Wagtail's deliberate error page, for testing the 500 page.
    R("wagtailadmin_error_test", editors("500")),
    R("admin/test404/", EDITORS, url="/admin/test404/"),
    R("admin/^.*/$", editors("404"), url="/admin/no-such-screen/"),
    R("wagtaildocs_serve", "404 404 404 404 404 404 404", url="/documents/999999/missing.pdf"),
    R(
        "wagtaildocs_authenticate_with_password",
        "404 404 404 404 404 404 404",
        restriction_id="@missing",
    ),
    R("wagtailcore_login", "200 200 200 200 200 200 200"),
    R(
        "wagtailcore_authenticate_with_password",
        "404 404 404 404 404 404 404",
        page_view_restriction_id="@missing",
        page_id="@page",
    ),
]
# fmt: on

# The rule for every other Wagtail admin URL: nobody but editors gets in.
ADMIN_RULE = _codes(editors("in"))

# Keyword arguments for Wagtail's core admin URLs, by name; `pk` depends on the namespace.
CORE_KWARGS = {
    "page_id": "@page",
    "parent_page_id": "@home",
    "page_to_move_id": "@article",
    "destination_id": "@news",
    "page_pk": "@page",
    "revision_id": "@page_revision",
    "revision_id_a": "earliest",
    "revision_id_b": "latest",
    "content_type_app_name": "intl_reports",
    "content_type_model_name": "outcomepage",
    "app_label": "intl_reports",
    "model_name": "outcomepage",
    "app_name": "intl_reports",
    "action_name": "approve",
    "action": "delete",
    "image_id": "@photo",
    "filter_spec": "fill-10x10",
    "document_id": "@missing",
    "doc_id": "@missing",
    "uploaded_file_id": "@missing",
    "collection_id": "@collection",
    "task_id": "@missing",
    "task_state_id": "@missing",
    "workflow_state_id": "@missing",
    "workflow_pk": "@missing",
    "redirect_id": "@missing",
    "restriction_id": "@missing",
    "session_id": "@missing",
    "object_id": "@report",
    "uidb64": "@uid",
    "token": "bad-token",
}
CORE_PK = {
    "wagtailadmin_collections": "@collection",
    "wagtailusers_users": "@user",
    "wagtailusers_groups": "@group",
    "wagtailsites": "@site",
    "wagtailadmin_pages": "@page",
    "wagtailadmin_api:pages": "@page",
    "wagtailadmin_api:images": "@photo",
    "wagtailimages_chooser": "@photo",
}
CORE_KWARGS_BY_NAME = {
    "wagtail_bulk_action": {"app_label": "wagtailcore", "model_name": "page", "action": "delete"},
    "wagtailadmin_editing_sessions:ping": {
        "app_label": "intl_reports",
        "model_name": "outcomereport",
        "object_id": "@report",
        "session_id": "@missing",
    },
    "wagtailadmin_tag_model_autocomplete": {
        "app_name": "intl_reports",
        "model_name": "portalimage",
    },
    "wagtailadmin_workflows:add_task": {"app_label": "wagtailcore", "model_name": "grouppagetask"},
}


def core_row(pattern: UrlPatternInfo) -> Row:
    kwargs = dict(CORE_KWARGS_BY_NAME.get(pattern.name, {}))
    namespace = pattern.name.rsplit(":", 1)[0] if ":" in pattern.name else pattern.name
    for name in pattern.kwargs:
        if name in kwargs:
            continue
        if name in ("pk", "instance_pk"):
            kwargs[name] = CORE_PK.get(namespace, "@missing")
        else:
            kwargs[name] = CORE_KWARGS.get(name, "@missing")
    return Row(pattern.key, ADMIN_RULE, kwargs=kwargs, label="(admin rule)", cross=False)


# ------------------------------------------------------------------ walking the URLconf

PROJECT_PACKAGES = ("intl_reports", "home", "portal")
PROJECT_APPS = ("intl_reports", "home")
# Wagtail's and Django's own URL names; any other name is the project's and needs a row.
CORE_NAME_PREFIXES = (
    "wagtailadmin_",
    "wagtail_bulk_action",
    "wagtailimages",
    "wagtaildocs",
    "wagtailsnippets",
    "wagtailsnippetchoosers",
    "wagtailusers_",
    "wagtailsites",
    "wagtailforms",
    "wagtailredirects",
    "wagtailembeds",
    "wagtail_modeladmin",
    "wagtailcore_",
)


@dataclass(frozen=True)
class UrlPatternInfo:
    key: str
    name: str | None
    route: str
    kwargs: tuple[str, ...]
    module: str

    @property
    def project(self) -> bool:
        if self.module.split(".")[0] in PROJECT_PACKAGES:
            return True
        if self.name is None:
            return False
        for app in PROJECT_APPS:
            for prefix in ("wagtailsnippets_", "wagtailsnippetchoosers_", ""):
                if self.name.startswith(f"{prefix}{app}_") or self.name.startswith(f"{app}:"):
                    return True
        return not self.name.startswith(CORE_NAME_PREFIXES)


def _kwarg_names(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _walk(patterns, prefix="", namespaces=(), kwargs=()):
    for entry in patterns:
        here = kwargs + tuple(_kwarg_names(entry.pattern))
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, route, spaces, here)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            callback = entry.callback
            module = getattr(callback, "__module__", "") or type(callback).__module__
            yield name, route, tuple(here), module


def url_patterns() -> list[UrlPatternInfo]:
    """Every URL pattern of the project's URLconf, with a unique key."""
    found = list(_walk(get_resolver().url_patterns))
    counts: dict[str | None, int] = {}
    for name, *_rest in found:
        counts[name] = counts.get(name, 0) + 1
    result = []
    for name, route, kwargs, module in found:
        if name is None:
            key = route
        elif counts[name] > 1:
            key = f"{name}[{','.join(sorted(kwargs))}]"
        else:
            key = name
        result.append(UrlPatternInfo(key, name, route, kwargs, module))
    keys = [p.key for p in result]
    assert len(keys) == len(set(keys)), "two URL patterns share a key"
    return result


def table_rows(patterns: list[UrlPatternInfo]) -> tuple[list[Row], list[str], list[str]]:
    """(rows to request, project URLs missing from the table, table keys with no URL)."""
    explicit: dict[str, list[Row]] = {}
    for row in [*PROJECT, *CORE]:
        explicit.setdefault(row.key, []).append(row)
    by_key = {pattern.key: pattern for pattern in patterns}
    rows, missing = [], []
    for pattern in patterns:
        if pattern.key in explicit:
            rows += explicit[pattern.key]
        elif pattern.project:
            missing.append(f"{pattern.key}  ({pattern.route}, {pattern.module})")
        else:
            rows.append(core_row(pattern))
    stale = sorted(key for key in explicit if key not in by_key)
    return rows, missing, stale
