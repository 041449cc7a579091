import subprocess
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_french_catalogue_is_complete():
    """Every user-facing string has a French translation: no English leaks into the interface."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=True,
    )

    statistics = result.stderr.strip().splitlines()[-1]
    assert "translated message" in statistics
    assert "fuzzy" not in statistics
    assert "untranslated" not in statistics
