"""Allowlist sanitising of rendered story HTML (nh3, the Rust ammonia library).

Operator content is untrusted: raw HTML in Markdown may carry scripts, event handlers or
`javascript:` URLs. Whatever Markdown produced goes through this allowlist last.
"""

from __future__ import annotations

import importlib.metadata

import nh3

_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
})
_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "code": {"class"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Part of the Markdown cache key (content/bodies.py): a new nh3 may clean differently.
ENGINE = f"nh3 {importlib.metadata.version('nh3')}"


# Built once: `nh3.clean` builds the same cleaner from these sets on every call, a third
# of what sanitising a story cost.
_CLEANER = nh3.Cleaner(
    tags=set(_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
    url_schemes=set(_SCHEMES),
    strip_comments=True,
    link_rel=None,
)


def sanitise(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes; drop script/style content."""
    return str(_CLEANER.clean(html))
