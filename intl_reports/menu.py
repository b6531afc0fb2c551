"""功能選單: the plan service's function menu, as the manual lists it.

Entries that belong to other programmes are listed, and shown as unavailable here.
"""

from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str | None = None  # None: not provided by this system
    children: tuple["MenuEntry", ...] = field(default_factory=tuple)
    roles: tuple[str, ...] = ("school", "authority")

    @property
    def available(self) -> bool:
        return self.url_name is not None

    @property
    def url(self) -> str | None:
        return reverse(self.url_name) if self.url_name else None


FUNCTION_MENU: tuple[MenuEntry, ...] = (
    MenuEntry("首頁", "intl_reports:menu"),
    MenuEntry("基本資料維護", "intl_reports:school_profile", roles=("school",)),
    MenuEntry("國際教育交流申請管理"),
    MenuEntry("TPSF"),
    MenuEntry("學校國際化申請"),
    MenuEntry("國際教育教師共備社群申請"),
    MenuEntry(
        "國際教育課程申請、國際交流申請",
        children=(
            MenuEntry("課程/國際交流 補助申請", "intl_reports:plan_list"),
            MenuEntry("課程/國際交流 成果報告", "intl_reports:report_list"),
        ),
    ),
    MenuEntry("填報進度統計", "intl_reports:authority_dashboard", roles=("authority",)),
    MenuEntry("國際教育旅行補助(僅112學年度)"),
    MenuEntry("國際教育全球公民素養自評量表"),
    MenuEntry("國際教育2.0賞查"),
    MenuEntry("國際教育2.0成效評估調查"),
)


def menu_for(role: str | None) -> list[MenuEntry]:
    return [entry for entry in FUNCTION_MENU if role in entry.roles]
