"""The StreamField blocks shared by every public page of the portal.

One module, one ``BodyStreamBlock``: section pages, articles and showcased exchanges all use it,
so editors meet the same blocks everywhere. Every block has a template in ``templates/blocks/``,
an icon, a description and a preview for the block picker.

Every image an editor places goes through ``ImageBlock``, whose alternative text is required:
Taiwan's accessibility rules (based on WCAG 2.1 AA) need it on every informative image.
"""

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class HeadingBlock(blocks.StructBlock):
    heading_text = blocks.CharBlock(label="標題文字", max_length=120)
    size = blocks.ChoiceBlock(
        label="層級",
        choices=[("h2", "H2"), ("h3", "H3"), ("h4", "H4")],
        default="h2",
        help_text="依文件結構選擇，不要為了字體大小跳級。",
    )

    class Meta:
        icon = "title"
        label = "標題"
        template = "blocks/heading_block.html"
        description = "段落標題，協助讀者與螢幕報讀軟體掌握文章結構。"
        preview_value = {"heading_text": "交流成果與特色", "size": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = "段落"
        template = "blocks/paragraph_block.html"
        description = "內文，可加入粗體、清單與連結。"
        preview_value = (
            "<p>本校與宿霧建基中學締結姊妹校，學生透過課程交流與文化體驗，"
            "認識菲律賓的語言與生活。</p>"
        )


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="圖片")
    alt_text = blocks.CharBlock(
        label="替代文字",
        max_length=250,
        help_text="必填：描述圖片傳達的資訊，供看不到圖片的讀者使用（例如：學生在宿霧與姊妹校師生合影）。",
    )
    caption = blocks.CharBlock(label="圖說", max_length=250, required=False)
    attribution = blocks.CharBlock(label="來源／攝影", max_length=120, required=False)

    class Meta:
        icon = "image"
        label = "圖片"
        template = "blocks/image_block.html"
        description = "圖片，附必填的替代文字與選填的圖說。"
        preview_value = {
            "alt_text": "學生與姊妹校師生合影",
            "caption": "北園國小師生於宿霧建基中學",
        }


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引言")
    attribution = blocks.CharBlock(label="出處", max_length=120, required=False)

    class Meta:
        icon = "openquote"
        label = "引言"
        template = "blocks/quote_block.html"
        description = "醒目的引述，例如參與學生或教師的心得。"
        preview_value = {
            "text": "第一次用英語向外國同學介紹臺灣，我發現自己其實做得到！",
            "attribution": "六年級學生",
        }


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label="文件")
    title = blocks.CharBlock(
        label="顯示名稱", max_length=200, required=False, help_text="留空則使用文件標題。"
    )

    class Meta:
        icon = "doc-full"
        label = "文件下載"
        template = "blocks/document_block.html"
        description = "提供下載的文件（PDF、Word、Excel 等），顯示格式與大小。"
        preview_value = {"title": "113學年度國際交流計畫申請須知"}


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label="影片網址", help_text="例如 YouTube 影片網址。")
    title = blocks.CharBlock(
        label="影片標題", max_length=200, help_text="必填：作為內嵌影片框架的標題，供輔助科技使用。"
    )
    caption = blocks.CharBlock(label="說明", max_length=250, required=False)

    class Meta:
        icon = "media"
        label = "影片"
        template = "blocks/video_block.html"
        description = "內嵌影片，需有影片標題。"
        preview_value = {"title": "國際交流成果影片", "caption": "學生分享交流心得"}


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="標題", max_length=120)
    text = blocks.TextBlock(label="說明", required=False)
    page = blocks.PageChooserBlock(label="連結頁面", required=False)
    url = blocks.URLBlock(label="或外部網址", required=False)
    button_text = blocks.CharBlock(label="按鈕文字", max_length=60)

    class Meta:
        icon = "link"
        label = "行動呼籲"
        template = "blocks/call_to_action_block.html"
        description = "醒目的區塊，引導讀者前往下一步，例如申請或登入。"
        preview_value = {
            "title": "準備好申請了嗎？",
            "text": "登入計畫服務網，填寫成果報告。",
            "url": "https://example.edu.tw/login/",
            "button_text": "登入計畫服務網",
        }

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"page": blocks.BlockValidationError("請選擇連結頁面或填寫外部網址。")}
            )
        return value


class PortalTableBlock(TableBlock):
    class Meta:
        icon = "table"
        label = "表格"
        template = "blocks/table_block.html"
        description = "資料表格，第一列可設為欄標題；請填寫表格標題。"
        preview_value = {
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_caption": "各學年度交流件數",
            "data": [["學年度", "出訪", "來訪"], ["111", "12", "8"], ["112", "18", "11"]],
        }


class BodyStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    table = PortalTableBlock()
    document = DocumentBlock()
    video = VideoBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()

    class Meta:
        template = "blocks/body_stream_block.html"
