"""Operator content is untrusted: payloads in every field and in the body land inert."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs

PAYLOADS = (
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "'><svg onload=alert('x3')>",
    "javascript:alert('x4')",
    '</title><script>alert("x5")</script>',
    '{{ 7*7 }}{% raw %}',
    "\u202eevil\u200b",
)
PAYLOAD = " ".join(PAYLOADS)
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base"}

BODY = """\
Paragraf biasa.

<script>alert("b1")</script>
<img src="x" onerror="alert('b2')">
<a href="javascript:alert('b3')">klik</a>
<a href="JaVaScRiPt:alert('b4')">klik</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>
<iframe src="https://evil.example"></iframe>
<svg><script>alert("b5")</script></svg>
<p style="background:expression(alert('b6'))" onclick="alert('b7')">gaya</p>
<math><mi xlink:href="javascript:alert('b8')">m</mi></math>
<form action="https://evil.example"><input name=x></form>
[tautan](javascript:alert('b9'))
![gambar](javascript:alert('b10'))
<details open ontoggle="alert('b11')"><summary>s</summary>d</details>
"""


class _Audit(HTMLParser):
    """Collects anything live: forbidden elements, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # JSON-LD is a data block, never run; tests/test_seo.py checks nothing escapes it.
        data_block = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        # search.js on /cari/ is the theme's own file, loaded from /assets/.
        theme_script = tag == "script" and (dict(attrs).get("src") or "").startswith("/assets/")
        if tag in FORBIDDEN_TAGS and not (data_block or theme_script):
            self.live.append(f"<{tag}>")
        if tag == "form" and not (dict(attrs).get("action") or "").startswith("/"):
            self.live.append("<form> to another host")  # only the theme's own search form
        for name, value in attrs:
            text = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.startswith("on"):
                self.live.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "formaction", "xlink:href", "poster") and \
                    text.startswith(DANGEROUS_SCHEMES):
                self.live.append(f"{tag}[{name}={value}]")
            if name == "style" and "expression" in text:
                self.live.append(f"{tag}[style]")


def _site_yaml_with_payload() -> str:
    """site.yaml where every free-text field carries the payload."""
    text = MINIMAL_SITE_YAML
    for plain in ("title: Kabar Uji", "tagline: Portal uji", "name: Diskominfo Uji",
                  "description: Kabupaten uji.", "description: Kecamatan satu.",
                  "name: Kesehatan", "name: Rina"):
        key, _, value = plain.partition(": ")
        text = text.replace(plain, f"{key}: {json.dumps(value + ' ' + PAYLOAD)}", 1)
    return text


def _story(n: int) -> str:
    fm = {
        "title": f"Judul {n} {PAYLOAD}",
        "date": f"2024-03-1{n} 09:30",
        "region": "kec-satu",
        "category": "kesehatan",
        "author": "rina",
        "tags": [PAYLOAD, "aman"],
        "summary": PAYLOAD,
        "image": "foto.png",
        "image_alt": PAYLOAD,
        "source": {"name": PAYLOAD, "url": "https://sumber.example/?q=<script>"},
    }
    lines = "\n".join(f"{k}: {json.dumps(v)}" for k, v in fm.items())
    return f"---\n{lines}\n---\n\n{BODY}"


def test_payloads_in_every_field_land_inert(make_site: SiteMaker, tiny_png: bytes) -> None:
    root = make_site({
        "site.yaml": _site_yaml_with_payload(),
        "content/stories/2024/satu/index.md": _story(1),
        "content/stories/2024/satu/foto.png": tiny_png,
        "content/stories/2024/dua/index.md": _story(2),
        "content/stories/2024/dua/foto.png": tiny_png,
        "content/pages/tentang.md": f"---\ntitle: {json.dumps(PAYLOAD)}\nmenu: 1\n---\n\n{BODY}",
    })
    files = outputs(build_site(root))
    html_files = {path: data.decode() for path, data in files.items() if path.endswith(".html")}
    assert len(html_files) > 10
    live = {}
    for path, html in html_files.items():
        audit = _Audit()
        audit.feed(html)
        if audit.live:
            live[path] = audit.live
    assert live == {}
    [story] = [html for path, html in html_files.items()
               if path.startswith("berita/2024/judul-1-script-alert-x1")]
    # Escaped, not dropped: the reader sees what the operator typed.
    assert "&lt;script&gt;alert(&#34;x1&#34;)&lt;/script&gt;" in story
    assert "{{ 7*7 }}" in story and "49" not in story.split("<main")[1].split("</main>")[0]
    assert 'href="https://sumber.example/?q=&lt;script&gt;"' in story
    # The sanitiser keeps the harmless parts of the body.
    assert "<p>Paragraf biasa.</p>" in story and ">klik</a>" in story


def test_audit_detects_live_markup() -> None:
    """The auditor is not blind: it flags each kind of live markup."""
    audit = _Audit()
    audit.feed('<script type="application/ld+json">{}</script>'
               '<script>x</script><a href=" JAVASCRIPT:x">a</a><b onclick="x">b</b>'
               '<p style="width:expression(1)">p</p><svg></svg><form action="https://e"></form>'
               '<script type="module">x</script>'
               '<script src="https://cdn.example/x.js"></script>'
               '<script type="module" src="/assets/search.0123456789.js"></script>')
    assert audit.live == ["<script>", "a[href= JAVASCRIPT:x]", "b[onclick]", "p[style]", "<svg>",
                          "<form> to another host", "<script>", "<script>"]
