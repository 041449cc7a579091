import pytest

from django.core.cache import cache

from wagtail.models import Page, Site

from cms.models import CatalogueIndexPage, HomePage


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (in CI a real Redis, which outlives the run):
    allauth's rate limits and cached pages never leak from one test to the next."""
    cache.clear()


@pytest.fixture
def home_page(db) -> HomePage:
    """A minimal Wagtail tree: the home page as the default site's root."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Promotion Santé Occitanie", slug="home-test"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "port": 80}
    )
    return home


@pytest.fixture
def catalogue(home_page) -> CatalogueIndexPage:
    return home_page.add_child(instance=CatalogueIndexPage(title="Nos formations", slug="formations"))
