"""Benchmark of PDF下載 (not a test): .venv/bin/python bench/pdf.py [--runs N]

Builds the demo report in a throwaway test database with 9 photos of 4000×3000 (gradients plus
noise, so their JPEG sizes are realistic): six 活動照片 (the form's maximum) and three 學習評量
images. Then, in the same run, times
  (a) our pipeline, cold: the PDF cache emptied before each run (renditions exist, as they do
      after the first download); the very first run, which also makes the renditions, is
      reported apart;
  (b) our pipeline, cached: a download of an unchanged report;
  (c) a naive baseline: the same HTML, the photos embedded as uploaded (original files),
      default WeasyPrint options;
and prints the median time and PDF size of each, and the ratios. (a) and (b) go through the real
view (GET /service/reports/<plan_id>/pdf/ as the school account). It also renders the first page
of (a) to docs/pdf-first-page.png.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"

PHOTO_SIZE = (4000, 3000)
PHOTO_COUNT = 9


def make_photo(index: int) -> bytes:
    """A 4000×3000 JPEG that compresses like a photo: gradients plus sensor-like noise."""
    from PIL import Image, ImageChops

    width, height = PHOTO_SIZE
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = [
        gradient.rotate(angle, expand=False).resize((width, height))
        for angle in (0 + index * 20, 90, 180 - index * 10)
    ]
    base = Image.merge("RGB", channels)
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 40 + i * 5) for i in range(3)])
    image = ImageChops.blend(base, noise, 0.25)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def median_time(function, runs: int, before=None) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-pdf-media-")
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)  # throwaway

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from weasyprint import HTML

    from intl_reports.demo import load_reports_demo
    from intl_reports.models import OutcomeReport, PortalRendition
    from intl_reports.pdf import cache, render
    from intl_reports.pdf.fetcher import StorageImageFetcher
    from intl_reports.photos import store_photo

    load_reports_demo()
    report = OutcomeReport.objects.get(plan__serial="20230403-196")
    school_user = get_user_model().objects.get(username="school001")
    print(f"Making {PHOTO_COUNT} photos of {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} …", flush=True)
    photos = [
        store_photo(report.plan.school, make_photo(i), title=f"活動照片{i + 1}", consent=True)
        for i in range(PHOTO_COUNT)
    ]
    original_bytes = sum(photo.file.size for photo in photos)
    report.photos = [
        {"type": "photo", "value": {"image": p.pk, "caption": f"活動照片說明{n + 1}"}}
        for n, p in enumerate(photos[:6])
    ]
    report.assessments = [
        {"type": "assessment", "value": {"text": f"學習評量分析{n + 1}", "image": p.pk}}
        for n, p in enumerate(photos[6:])
    ]
    report.save()
    report.save_revision(user=school_user, clean=False)
    print(f"Originals: {PHOTO_COUNT} files, {original_bytes / 1e6:.1f} MB in total", flush=True)

    client = Client()
    client.force_login(school_user)
    url = reverse("intl_reports:report_pdf", args=[report.plan_id])

    def download() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content)

    def empty_cache():
        cache.delete_stale(OutcomeReport.objects.get(pk=report.pk), keep="")

    # (a) the very first download also makes the renditions, once per photo.
    empty_cache()
    start = time.perf_counter()
    download()
    first = time.perf_counter() - start
    renditions = PortalRendition.objects.filter(image__in=photos).count()

    cold_time, cold_pdf = median_time(download, args.runs, before=empty_cache)
    cached_time, cached_pdf = median_time(download, max(args.runs, 20))
    assert cached_pdf == cold_pdf

    # (c) naive: the same HTML, images served as uploaded, default options.
    report = OutcomeReport.objects.get(pk=report.pk)
    fetcher = StorageImageFetcher()
    html = render.render_html(report, fetcher)
    originals = {
        rendition.file.name: rendition.image.file.name
        for rendition in PortalRendition.objects.select_related("image").filter(
            file__in=fetcher.files.values()
        )
    }

    def naive() -> bytes:
        naive_fetcher = StorageImageFetcher()
        naive_fetcher.files = {url: originals[name] for url, name in fetcher.files.items()}
        return HTML(string=html, url_fetcher=naive_fetcher).write_pdf()

    naive_time, naive_pdf = median_time(naive, args.runs)

    def mb(size: int) -> str:
        return f"{size / 1e6:.2f} MB"

    print()
    print(f"runs: {args.runs} (cached: {max(args.runs, 20)}); renditions made: {renditions}")
    print(f"(a) pipeline, first download ever (makes renditions): {first * 1000:8.0f} ms")
    print(f"(a) pipeline, cold (median):   {cold_time * 1000:8.0f} ms  {mb(len(cold_pdf))}")
    print(f"(b) pipeline, cached (median): {cached_time * 1000:8.1f} ms  {mb(len(cached_pdf))}")
    print(f"(c) naive baseline (median):   {naive_time * 1000:8.0f} ms  {mb(len(naive_pdf))}")
    print(
        f"ratios: (c)/(a) time {naive_time / cold_time:.1f}×, size "
        f"{len(naive_pdf) / len(cold_pdf):.1f}×; (a)/(b) time {cold_time / cached_time:.0f}×"
    )
    targets = {
        "(a) ≥ 5× faster than (c)": naive_time / cold_time >= 5,
        "(a) ≥ 20× smaller than (c)": len(naive_pdf) / len(cold_pdf) >= 20,
        "(a) ≤ 1 s": cold_time <= 1,
        "(a) ≤ 1.5 MB": len(cold_pdf) <= 1_500_000,
        "(b) ≤ 50 ms": cached_time <= 0.05,
    }
    for label, met in targets.items():
        print(f"  {'met ' if met else 'MISSED'} {label}")

    with tempfile.TemporaryDirectory() as folder:
        pdf_path = Path(folder) / "report.pdf"
        pdf_path.write_bytes(cold_pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf_path),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        target = ROOT / "docs" / "pdf-first-page.png"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes((Path(folder) / "page.png").read_bytes())
        print(f"first page: {target.relative_to(ROOT)}")
    connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
