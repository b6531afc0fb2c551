"""The editors' group and its rights, kept in step with the code at every migrate."""

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "教育部編輯"

# (app_label, codename) — exactly what editing the portal and the reports system needs.
EDITOR_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    *[
        ("intl_reports", f"{action}_{model}")
        for model in ("authority", "school", "programme", "plan", "deadlineextension")
        for action in ("add", "change", "delete", "view")
    ],
    # Reports are the schools': editors view, review, lock and correct them, never delete.
    ("intl_reports", "view_outcomereport"),
    ("intl_reports", "change_outcomereport"),
    ("intl_reports", "lock_outcomereport"),
    ("intl_reports", "unlock_outcomereport"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def ensure_editors_group() -> Group:
    group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    wanted = []
    for app_label, codename in EDITOR_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            wanted.append(permission)
    group.permissions.set(wanted)
    _grant_page_and_collection_rights(group)
    return group


def _grant_page_and_collection_rights(group: Group) -> None:
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    root_page = Page.get_first_root_node()
    if root_page is not None:
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
            permission = Permission.objects.filter(
                content_type__app_label="wagtailcore", codename=codename
            ).first()
            if permission:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page, permission=permission
                )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for app_label, codename in EDITOR_PERMISSIONS:
            if app_label in ("wagtailimages", "wagtaildocs"):
                permission = Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
