"""開放資料: the public page and its CSV and JSON files. Public and cacheable by anyone."""

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from intl_reports import opendata

PUBLIC = cache_control(public=True, max_age=opendata.CACHE_SECONDS)


@method_decorator(PUBLIC, "dispatch")
@method_decorator(require_safe, "dispatch")
class OpenDataPageView(TemplateView):
    """/open-data/: what the data is, its licence, its fields, and the latest totals."""

    template_name = "intl_reports/opendata/open_data.html"

    def get_context_data(self, **kwargs):
        dataset = opendata.cached_dataset()
        return super().get_context_data(
            dataset=dataset,
            totals=dataset.totals,
            fields=opendata.FIELDS,
            dimensions=opendata.DIMENSIONS.values(),
            license_name=opendata.LICENSE_NAME,
            license_name_en=opendata.LICENSE_NAME_EN,
            license_url=opendata.LICENSE_URL,
            title=opendata.TITLE,
            refresh_minutes=opendata.CACHE_SECONDS // 60,
            **kwargs,
        )


def _file_response(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may fetch it
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@PUBLIC
def outcomes_csv(request):
    return _file_response(
        opendata.to_csv(opendata.cached_dataset()),
        "text/csv; charset=utf-8",
        "intl-edu-outcomes.csv",
    )


@require_safe
@PUBLIC
def outcomes_json(request):
    return _file_response(
        opendata.to_json(opendata.cached_dataset()),
        "application/json; charset=utf-8",
        "intl-edu-outcomes.json",
    )
