"""`partial_cached` (render/templates.py `partials`): a partial rendered once per key, apart
from the page that calls it. The default theme's cards and footer go through it; the
golden site (test_golden.py) holds their bytes from before, when they were included."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, story_text

from generator.diagnostics import BuildFailed
from generator.render.templates import partials


@dataclass(frozen=True, slots=True)
class Item:
    title: str


@dataclass(frozen=True, slots=True)
class Page:
    lang: str
    url: str


CARD = "<b>{{ made() }} {{ item.title }} {{ page.lang }} {{ t.word }} {{ site }}" \
       "{% if eager|default(false) %} eager={{ eager }}{% endif %}</b>"


def _setup(card: str = CARD) -> tuple[jinja2.Environment, list[int], Any]:
    made: list[int] = []
    env = jinja2.Environment(loader=jinja2.DictLoader({
        "card.html": card,
        "page.html": "{% for item in items %}{{ partial_cached('card.html', item=item, "
                     "**extra) }}|{% endfor %}"}),
        autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals["made"] = lambda: made.append(1) or len(made)
    return env, made, partials(env)


def _render(env: jinja2.Environment, cached: Any, items: list[Any], lang: str = "id",
            t: dict[str, str] | None = None, **extra: Any) -> str:
    return env.get_template("page.html").render(
        items=items, extra=extra, partial_cached=cached, site="Kabar", t=t or T_ID,
        page=Page(lang, f"/{len(items)}/"))


T_ID = {"word": "berita"}
T_EN = {"word": "news"}


def test_a_partial_is_rendered_once_for_the_same_values() -> None:
    env, made, cached = _setup()
    a, b = Item("Satu"), Item("Dua")
    first = _render(env, cached, [a, b, a])
    assert first == "<b>1 Satu id berita Kabar</b>|<b>2 Dua id berita Kabar</b>|" \
                    "<b>1 Satu id berita Kabar</b>|"
    assert len(made) == 2
    # Another page with the same items: nothing rendered again.
    assert _render(env, cached, [b, a]) == "<b>2 Dua id berita Kabar</b>|" \
                                           "<b>1 Satu id berita Kabar</b>|"
    assert len(made) == 2


def test_the_key_holds_every_value_the_language_and_the_page_strings() -> None:
    env, made, cached = _setup()
    a = Item("Satu")
    _render(env, cached, [a])
    # An equal but other record: a key by identity, so it is rendered (never confused).
    assert _render(env, cached, [Item("Satu")]).startswith("<b>2 Satu")
    assert _render(env, cached, [a], eager=True).endswith(" eager=True</b>|")
    # True and 1 are equal in Python, yet print differently.
    assert _render(env, cached, [a], eager=1).endswith(" eager=1</b>|")
    assert _render(env, cached, [a], lang="en", t=T_EN) == "<b>5 Satu en news Kabar</b>|"
    # Other strings for the same language (another build's `t`): rendered again.
    assert _render(env, cached, [a], t=dict(T_ID)).startswith("<b>6 Satu id berita")
    assert len(made) == 6


def test_values_it_cannot_key_are_rendered_every_time() -> None:
    env, made, cached = _setup()
    mutable = {"title": "Satu"}
    assert _render(env, cached, [mutable]) == "<b>1 Satu id berita Kabar</b>|"
    mutable["title"] = "Diganti"
    assert _render(env, cached, [mutable]) == "<b>2 Diganti id berita Kabar</b>|"
    assert _render(env, cached, [Item("Satu")], extra=[1]).startswith("<b>3 ")
    assert _render(env, cached, [Item("Satu")], extra=[1]).startswith("<b>4 ")
    assert len(made) == 4


def test_a_partial_sees_only_the_page_language_of_the_page() -> None:
    env, _made, cached = _setup("{{ page.lang }} {{ page.url }}")
    with pytest.raises(jinja2.UndefinedError, match="url"):
        _render(env, cached, [Item("Satu")])


def test_its_html_is_not_escaped_again_and_its_values_are() -> None:
    env, _made, cached = _setup()
    html = _render(env, cached, [Item("<script>x</script>")])
    assert "<b>1 &lt;script&gt;x&lt;/script&gt; id" in html


def _with_card(make_site: SiteMaker, card: str) -> Path:
    """A portal of one story whose theme, extending the default, has its own card."""
    return make_site({
        "site.yaml": MINIMAL_SITE_YAML + "theme: kartu\n",
        "themes/kartu/theme.yaml": "name: kartu\nextends: default\n",
        "themes/kartu/templates/partials/card.html": card,
        "content/stories/2024/a.md": story_text(),
    })


def test_a_theme_card_that_reads_more_of_the_page_fails_at_its_line(
        make_site: SiteMaker) -> None:
    root = _with_card(make_site, "<article>{{ item.title }}\n{{ page.url }}</article>\n")
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    errors = exc.value.diagnostics.errors
    assert errors and {(e.path, e.line) for e in errors} == {
        ("themes/kartu/templates/partials/card.html", 2)}
    assert "url" in errors[0].message


def test_a_theme_card_made_from_what_it_is_given_is_on_every_list(
        make_site: SiteMaker) -> None:
    root = _with_card(make_site, '<article class="mine">{{ item.title }} ({{ t.home }},'
                      " {{ site.title }}, {{ item.date|date_long }})</article>\n")
    files = {o.path: o.data.decode() for o in build_site(root).outputs
             if o.path.endswith(".html")}
    card = '<article class="mine">Posyandu Baru (Beranda, Kabar Uji, 12 Maret 2024)</article>'
    lists = [path for path, html in files.items() if card in html]
    assert {"index.html", "kategori/kesehatan/index.html", "tag/posyandu/index.html",
            "arsip/2024/index.html"} <= set(lists)


def test_the_header_uses_the_macros_its_page_template_imported(
        make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing the macros with the page's context builds a module at every import (a
    context-bound import is never cached): the header takes the page's own, once per page,
    as the cards do."""
    importers: list[str] = []
    make_module = jinja2.Template.make_module

    def counted(self: jinja2.Template, *args: Any, **kwargs: Any) -> Any:
        if self.name == "partials/macros.html":
            importers.append(sys._getframe(1).f_globals.get("name", "?"))
        return make_module(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "make_module", counted)
    root = make_site({"content/stories/2024/a.md": story_text()})
    pages = {o.path for o in build_site(root).outputs if o.path.endswith(".html")}
    assert {"index.html", "404.html"} <= pages
    assert importers.count("story.html") == 1 and importers.count("home.html") == 1
    # only on the 404 page, whose template uses no macros
    assert importers.count("partials/header.html") == 1
