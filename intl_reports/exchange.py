"""The exchange-type matrix of tab 2 (計畫基本資料表), exactly as the manual lists it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemGroup:
    label: str  # "" when the type has a single, unnamed group
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExchangeType:
    key: str
    label: str
    groups: tuple[ItemGroup, ...]
    counts_teachers: bool = True  # type 四 counts students only

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        return tuple(item for group in self.groups for item in group.items)


_VISIT_ITEMS = (
    ("culture", "文化體驗"),
    ("course", "課程交流"),
    ("sister", "姊妹校交流"),
    ("contest", "國際競賽/會議"),
    ("volunteer", "國際志工服務"),
    ("other", "其他"),
)

EXCHANGE_TYPES: tuple[ExchangeType, ...] = (
    ExchangeType("inbound", "一、辦理外國學校、師生來訪", (ItemGroup("", _VISIT_ITEMS),)),
    ExchangeType("outbound", "二、辦理本國學校、師生出訪", (ItemGroup("", _VISIT_ITEMS),)),
    ExchangeType(
        "online",
        "三、辦理國際網路交流方案",
        (
            ItemGroup(
                "",
                (
                    ("cloud_partner", "數位雲端國際夥伴學校方案"),
                    ("e_language", "E化互動式語言交換學習方案"),
                ),
            ),
        ),
    ),
    ExchangeType(
        "conference",
        "四、參與國際會議及競賽",
        (
            ItemGroup(
                "1.本國學校辦理國際會議或競賽",
                (
                    ("host_summit", "國際高峰會"),
                    ("host_forum", "國際論壇"),
                    ("host_learning", "國際專業學習交流活動"),
                    ("host_contest", "國際競賽"),
                ),
            ),
            ItemGroup(
                "2.本國學生參與國際會議或競賽",
                (("join_summit", "國際高峰會"), ("join_forum", "國際論壇")),
            ),
        ),
        counts_teachers=False,
    ),
)

EXCHANGE_TYPE_BY_KEY = {exchange_type.key: exchange_type for exchange_type in EXCHANGE_TYPES}
EXCHANGE_TYPE_CHOICES = [(t.key, t.label) for t in EXCHANGE_TYPES]
# Item keys are unique across types, so one choice list serves every block.
EXCHANGE_ITEM_CHOICES = list(dict.fromkeys(item for t in EXCHANGE_TYPES for item in t.items))

REGION_CHOICES = [
    ("亞洲", "亞洲"),
    ("歐洲", "歐洲"),
    ("北美洲", "北美洲"),
    ("中南美洲", "中南美洲"),
    ("大洋洲", "大洋洲"),
    ("非洲", "非洲"),
]
