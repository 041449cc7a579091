"""The auditor opens the evidence pack's manifest (index.html of the unzipped pack) in a browser."""

import io
import zipfile

import pytest
from axe_playwright_python.sync_playwright import Axe

from django.core.management import call_command

from tests.evaluations.test_evidence_pack import signatory, two_periods  # noqa: F401 (fixtures)

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_the_unzipped_packs_manifest_reads_and_links_to_its_files(two_periods, tmp_path, page):  # noqa: F811
    output = tmp_path / "pack.zip"
    call_command(
        "evidence_pack", "--from", "2026-01-01", "--to", "2026-06-30", "--output", str(output), stdout=io.StringIO()
    )
    folder = tmp_path / "pack"
    zipfile.ZipFile(output).extractall(folder)

    page.goto((folder / "index.html").as_uri())

    assert page.locator("h1").count() == 1
    links = page.locator("main a[href$='.pdf'], main a[href$='.xlsx']")
    assert links.count() > 0
    first = links.first.get_attribute("href")
    assert (folder / first).resolve().is_file()  # the manifest's links lead to the files of the pack
    screenshot(page, "evidence-manifest")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
