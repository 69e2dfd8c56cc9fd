"""Nothing an operator writes can reach outside content/, themes/ or output/, and two URLs
that one disk would store as one file are an error naming both sources.

Covered elsewhere: unsafe slugs and `../` links (test_content_errors.py), symlinks out of
content/ (test_content_errors.py), `kabar new` titles with paths (test_cli.py), output paths
(test_writer.py), the dev server and nginx (test_serve.py, test_nginx.py).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator import cli
from generator.diagnostics import BuildFailed, format_report

STORY = "content/stories/2024/posyandu-baru.md"
BUNDLE = "content/stories/2024/posyandu-baru/index.md"
SECRET = "rahasia: jangan terbit\n"


def failure(make_site: SiteMaker, files: dict[str, str | bytes]) -> str:
    root = make_site(files)
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    return format_report(exc.value.diagnostics)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the portal that must never be published."""
    path = tmp_path / "luar" / "rahasia.txt"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


def published(root: Path) -> list[str]:
    """Output files holding the secret (there must be none)."""
    return [p for p, data in outputs(build_site(root)).items() if SECRET.encode() in data]


# -- themes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../x", "/etc", "..", "a/../../b", "/tmp/tema", "Default"])
def test_a_theme_name_that_is_a_path_is_refused(make_site: SiteMaker, name: str) -> None:
    report = failure(make_site, {"site.yaml": MINIMAL_SITE_YAML + f'theme: "{name}"\n'})
    assert report == (f"site.yaml:33:8: error: nama tema '{name}' tidak valid\n"
                      "  hint: pakai nama folder di themes/, huruf kecil tanpa '/' atau '..'\n"
                      f'  | theme: "{name}"')


@pytest.mark.parametrize("parent", ["../../x", "/etc", "..", "default/../../x"])
def test_a_parent_theme_that_is_a_path_is_refused(make_site: SiteMaker, parent: str) -> None:
    report = failure(make_site, {
        "site.yaml": MINIMAL_SITE_YAML + "theme: kotaku\n",
        "themes/kotaku/theme.yaml": f'name: kotaku\nextends: "{parent}"\n',
        "themes/kotaku/templates/partials/footer.html": "<footer>kotaku</footer>\n",
    })
    assert report == (
        f"themes/kotaku/theme.yaml:2: error: extends: nama tema '{parent}' tidak valid\n"
        "  hint: tulis nama folder tema di themes/, huruf kecil tanpa '/' atau '..', misalnya "
        "extends: default")


@pytest.mark.parametrize("link", ["static/style.css", "templates/partials/footer.html", ""])
def test_a_theme_symlink_leading_outside_the_portal_is_refused(
        make_site: SiteMaker, secret: Path, link: str) -> None:
    root = make_site({"site.yaml": MINIMAL_SITE_YAML + "theme: kotaku\n"})
    theme = root / "themes" / "kotaku"
    if link:
        (theme / "templates").mkdir(parents=True)
        (theme / link).parent.mkdir(parents=True, exist_ok=True)
        (theme / link).symlink_to(secret)
    else:  # the whole theme folder is a link to a folder outside the portal
        (secret.parent / "templates").mkdir()
        theme.parent.mkdir()
        theme.symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    shown = f"themes/kotaku/{link}".rstrip("/")
    assert format_report(exc.value.diagnostics) == (
        f"{shown}: error: tautan simbolik (symlink) di tema menunjuk ke luar folder portal\n"
        "  hint: salin berkasnya ke dalam folder tema alih-alih membuat symlink")


def test_a_theme_symlink_inside_the_portal_is_fine(make_site: SiteMaker) -> None:
    root = make_site({"site.yaml": MINIMAL_SITE_YAML + "theme: kotaku\n",
                      "shared/footer.html": "<footer>bersama</footer>\n",
                      "themes/kotaku/templates/.keep": ""})
    footer = root / "themes/kotaku/templates/partials/footer.html"
    footer.parent.mkdir()
    footer.symlink_to(root / "shared/footer.html")
    assert b"<footer>bersama</footer>" in outputs(build_site(root))["index.html"]


# -- images and links ------------------------------------------------------------------------

@pytest.mark.parametrize(("image", "message"), [
    ("../../../etc/passwd", "image '../../../etc/passwd' bukan berkas gambar"),
    ("../../../../etc/x.png", "tautan '../../../../etc/x.png' keluar dari folder content/"),
    ("/etc/x.png", "tautan '/etc/x.png' keluar dari folder content/"),
    ("%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/x.png",
     "tautan '%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/x.png' keluar dari folder content/"),
    ("..%2f..%2f..%2f..%2fx.png", "tautan '..%2f..%2f..%2f..%2fx.png' keluar dari folder "
     "content/"),
])
def test_an_image_outside_content_is_refused(make_site: SiteMaker, image: str,
                                             message: str) -> None:
    report = failure(make_site, {STORY: story_text(extra=f'image: "{image}"\nimage_alt: Foto\n')})
    assert report.startswith(f"{STORY}:9:8: error: {message}\n"), report


@pytest.mark.parametrize("target", ["%2e%2e/%2e%2e/%2e%2e/site.yaml",
                                    "..%2F..%2F..%2Fsite.yaml", "%2E%2E/%2E%2E/%2E%2E/site.yaml",
                                    "../../../../../../../../etc/passwd"])
def test_an_encoded_parent_link_is_refused(make_site: SiteMaker, target: str) -> None:
    report = failure(make_site, {STORY: story_text(body=f"Lihat [ini]({target}).\n")})
    assert report == (f"{STORY}:11: error: tautan '{target}' keluar dari folder content/\n"
                      "  hint: tautkan hanya berkas di dalam content/\n"
                      f"  | Lihat [ini]({target}).")


def test_absolute_links_stay_site_urls_and_read_no_file(make_site: SiteMaker) -> None:
    body = ("[sandi](/etc/passwd) ![gambar](/etc/passwd) [berkas](file:///etc/passwd) "
            "[jaringan](//evil.example/x)\n")
    files = outputs(build_site(make_site({STORY: story_text(body=body)})))
    page = files["berita/2024/posyandu-baru/index.html"].decode()
    assert '<a href="/etc/passwd">sandi</a>' in page  # a page of this site, not a file read
    assert '<img alt="gambar" decoding="async" loading="lazy" src="/etc/passwd">' in page
    assert "<a>berkas</a>" in page  # file: is not an allowed scheme
    assert not any(b"root:x:0:0" in data for data in files.values())
    assert not [p for p in files if "passwd" in p or "etc" in p.split("/")]


def test_a_static_file_symlinked_to_a_secret_is_not_published(make_site: SiteMaker,
                                                               secret: Path) -> None:
    root = make_site({STORY: story_text()})
    (root / "content/static").mkdir()
    (root / "content/static/rahasia.txt").symlink_to(secret)
    with pytest.raises(BuildFailed):
        build_site(root)
    (root / "content/static/rahasia.txt").unlink()
    assert published(root) == []


# -- kabar new ---------------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["\u202etxt.exe", "Judul\x1b[2J", "C:\\Windows\\x", "~/x",
                                   "%2e%2e%2f%2e%2e%2fx", "\u2066../../x\u2069"])
def test_new_titles_stay_in_content_stories_and_are_clean(
        make_site: SiteMaker, capsys: pytest.CaptureFixture[str], title: str) -> None:
    root = make_site({})
    code = cli.main(["new", "--root", str(root), title, "--region", "kec-dua",
                     "--category", "pendidikan"])
    capsys.readouterr()
    assert code == 0
    [created] = root.rglob("*.md")
    assert created.parent == root / "content/stories/2026"
    assert created.name.isascii() and created.name.removesuffix(".md").replace("-", "").isalnum()
    text = created.read_text(encoding="utf-8")
    assert not any(c in text for c in "\u202e\u2066\u2069\x1b")


# -- collisions: case and Unicode normalisation -------------------------------------------------

NFC = unicodedata.normalize("NFC", "café.png")
NFD = unicodedata.normalize("NFD", "café.png")


def test_static_files_differing_only_by_case_collide(make_site: SiteMaker) -> None:
    report = failure(make_site, {"content/static/Foto.png": b"a", "content/static/foto.png": b"b"})
    assert report == (
        "content/static/foto.png: error: alamat /Foto.png (dari content/static/Foto.png) dan "
        "/foto.png (dari content/static/foto.png) hanya beda huruf besar/kecil\n"
        "  hint: di server atau komputer yang tidak membedakannya, yang satu menimpa yang lain; "
        "ganti nama salah satu berkas")


def test_static_files_differing_only_by_normalisation_collide(make_site: SiteMaker) -> None:
    assert NFC != NFD
    report = failure(make_site, {f"content/static/{NFC}": b"a", f"content/static/{NFD}": b"b"})
    first, second = sorted([NFC, NFD])
    assert report == (
        f"content/static/{second}: error: alamat /{first} (dari content/static/{first}) dan "
        f"/{second} (dari content/static/{second}) tampak sama tetapi ditulis dengan bentuk "
        "Unicode berbeda (misalnya é sebagai satu huruf, atau e lalu tanda aksen)\n"
        "  hint: di server atau komputer yang tidak membedakannya, yang satu menimpa yang lain; "
        "ganti nama salah satu berkas")


def test_story_images_differing_only_by_case_collide(make_site: SiteMaker,
                                                     tiny_png: bytes) -> None:
    report = failure(make_site, {
        BUNDLE: story_text(body="![Satu](Foto.png) ![Dua](foto.png)\n"),
        "content/stories/2024/posyandu-baru/Foto.png": tiny_png,
        "content/stories/2024/posyandu-baru/foto.png": tiny_png,
    })
    assert report.startswith(
        "content/stories/2024/posyandu-baru/foto.png: error: alamat "
        "/berita/2024/posyandu-baru/Foto.png (dari content/stories/2024/posyandu-baru/Foto.png) "
        "dan /berita/2024/posyandu-baru/foto.png (dari "
        "content/stories/2024/posyandu-baru/foto.png) hanya beda huruf besar/kecil\n"), report


def test_pages_with_one_slug_collide_naming_both_files(make_site: SiteMaker) -> None:
    report = failure(make_site, {
        "content/pages/Tentang.md": "---\ntitle: Tentang Kami\n---\n\nSatu.\n",
        "content/pages/tentang.md": "---\ntitle: Tentang\n---\n\nDua.\n",
        "content/pages/profil.md": "---\ntitle: Profil\nslug: tentang\n---\n\nTiga.\n",
    })
    assert report == (
        "content/pages/Tentang.md: error: dua berkas keluaran memakai alamat yang sama: "
        "tentang/index.html (dari content/pages/Tentang.md dan content/pages/profil.md)\n"
        "  hint: ganti nama salah satu berkas, atau beri slug lain")


def test_a_static_file_cannot_take_a_page_address(make_site: SiteMaker) -> None:
    report = failure(make_site, {"content/pages/tentang.md": "---\ntitle: Tentang\n---\n\nA.\n",
                                 "content/static/Tentang/index.html": "<p>palsu</p>\n"})
    assert report == (
        "content/static/Tentang/index.html: error: alamat /tentang/index.html (dari "
        "content/pages/tentang.md) dan /Tentang/index.html (dari "
        "content/static/Tentang/index.html) hanya beda huruf besar/kecil\n"
        "  hint: di server atau komputer yang tidak membedakannya, yang satu menimpa yang lain; "
        "ganti nama salah satu berkas")


def test_tags_differing_by_case_or_accents_share_one_page(make_site: SiteMaker) -> None:
    tags = ["[Pendidikan, Café]", "[pendidikan, Cafe]", f"[PENDIDIKAN, {NFD.removesuffix('.png')}]"]
    files = {f"content/stories/2024/cerita-{n}.md":
             story_text(f"Cerita {n}", extra="").replace("tags: [posyandu]", f"tags: {t}")
             for n, t in enumerate(tags)}
    result = build_site(make_site(files))
    assert {slug: len(stories) for slug, stories in result.site.by_tag.items()} == {
        "cafe": 3, "pendidikan": 3}
    assert result.site.tags["pendidikan"].name == "PENDIDIKAN"  # each spelt once: first by sort
    pages = [p for p in outputs(result) if p.startswith("tag/") and p.endswith("index.html")]
    assert sorted(pages) == ["tag/cafe/index.html", "tag/cafe/page/2/index.html",
                             "tag/index.html", "tag/pendidikan/index.html",
                             "tag/pendidikan/page/2/index.html"]
