"""A small HTTP browser over `requests`: a cookie jar, pages parsed with BeautifulSoup, and forms
submitted as a browser would (every field with its current value, CSRF token included, plus
what the person types)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from bs4 import BeautifulSoup


@dataclass
class Page:
    response: requests.Response

    @property
    def url(self) -> str:
        return self.response.url

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.response.text, "html.parser")

    def form(self, selector: str = "main form"):
        form = self.soup.select_one(selector)
        assert form is not None, f"No form {selector!r} on {self.url} ({self.status}):\n{self.text[:3000]}"
        return form

    def link(self, selector: str) -> str:
        anchor = self.soup.select_one(selector)
        assert anchor is not None, f"No link {selector!r} on {self.url}"
        return urljoin(self.url, anchor["href"])


def form_values(form) -> list[tuple[str, str]]:
    """The fields a browser sends for this form as it stands (no submit button)."""
    values: list[tuple[str, str]] = []
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name or element.find_parent("template") is not None:
            continue
        if element.name == "input":
            kind = element.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            values.append((name, element.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif element.name == "select":
            selected = element.find_all("option", selected=True)
            if not selected and not element.has_attr("multiple"):
                selected = element.find_all("option")[:1]
            values.extend((name, option.get("value", option.text)) for option in selected)
        else:
            values.append((name, element.text))
    return values


class Browser:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "Mozilla/5.0 (stack test) requests"

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def get(self, path: str, *, expect: int | None = 200, **kwargs) -> Page:
        page = Page(self.http.get(self.url(path), timeout=60, **kwargs))
        if expect is not None:
            assert page.status == expect, f"GET {path}: {page.status}\n{page.text[:3000]}"
        return page

    def post(self, path: str, data, *, expect: int | None = 200, referer: str | None = None) -> Page:
        headers = {"Referer": referer or self.url(path)}
        page = Page(self.http.post(self.url(path), data=data, headers=headers, timeout=60))
        if expect is not None:
            assert page.status == expect, f"POST {path}: {page.status}\n{page.text[:3000]}"
        return page

    def submit(self, page: Page, selector: str = "main form", *, expect: int | None = 200, **fields) -> Page:
        """Fill the form (`fields` replace the values of those names) and send it."""
        form = page.form(selector)
        values = [(name, value) for name, value in form_values(form) if name not in fields]
        for name, value in fields.items():
            for item in value if isinstance(value, list | tuple) else [value]:
                values.append((name, item))
        action = urljoin(page.url, form.get("action") or page.url)
        if (form.get("method") or "get").lower() != "post":
            return Page(self.http.get(action, params=values, timeout=60))
        return self.post(action, values, expect=expect, referer=page.url)

    @property
    def csrf_token(self) -> str:
        return self.http.cookies.get("csrftoken", "")
