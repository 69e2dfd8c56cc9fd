"""Work that must stay linear in the number of stories: pagination links, related stories,
the limit check before Markdown, the writer on a big tree."""

from __future__ import annotations

from pathlib import Path

from conftest import SiteMaker, build_site, story_text
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content.limits import check_body, check_lines
from generator.model import Output, Site, Story
from generator.render.views import Link, pager
from generator.structure.related import WINDOW, Related, related
from generator.urls import slugify
from generator.writer import write


def _window_rule(count: int, cur: int) -> list[str]:
    """The rule as the theme once wrote it, looping over every page of the list."""
    out = []
    for n in range(1, count + 1):
        if n in (1, count) or abs(n - cur) <= 1 or (n == 2 and cur == 4) or (
                n == count - 1 and cur == count - 3):
            out.append(str(n))
        elif n in (cur - 2, cur + 2):
            out.append("…")
    return out


def test_pager_shows_the_same_window_as_the_rule_for_every_page() -> None:
    for count in range(1, 41):
        pages = tuple(Link(str(n), f"/page/{n}/") for n in range(1, count + 1))
        for cur in range(1, count + 1):
            shown = ["…" if p is None else p.name for p in pager(pages, cur)]
            assert shown == _window_rule(count, cur), (count, cur)


def test_pager_of_a_long_list_is_short() -> None:
    pages = tuple(Link(str(n), f"/page/{n}/") for n in range(1, 10_001))
    assert [p.name if p else None for p in pager(pages, 5_000)] == \
        ["1", None, "4999", "5000", "5001", None, "10000"]


def _plain_related(site: Site, story: Story, limit: int = 4) -> tuple[Story, ...]:
    """The definition, slowly: windows found with tuple.index, every candidate sorted."""
    scores: dict[str, int] = {}
    pool: dict[str, Story] = {}

    def window(stories: tuple[Story, ...]) -> tuple[Story, ...]:
        if len(stories) <= WINDOW:
            return stories
        index = stories.index(story)
        start = max(0, min(index - WINDOW // 2, len(stories) - WINDOW))
        return stories[start:start + WINDOW]

    groups = [(site.by_region[story.meta.region], 3)]
    groups += [(site.by_tag[slugify(name)], 2) for name in story.meta.tags]
    for stories, points in groups:
        for other in window(stories):
            if other.url != story.url:
                scores[other.url] = scores.get(other.url, 0) + points
                pool[other.url] = other
    date = story.meta.date.timestamp()
    best = sorted(pool, key=lambda u: (-scores[u], abs(pool[u].meta.date.timestamp() - date), u))
    return tuple(pool[u] for u in best[:limit])


def test_related_stories_follow_the_definition(make_site: SiteMaker) -> None:
    files = {}
    for n in range(150):  # more than WINDOW per region and per tag
        tags = "[pasar]" if n % 2 else "[pasar, sekolah]"
        files[f"content/stories/2024/c{n}.md"] = story_text(
            f"Cerita {n}", date=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:00",
            region="kec-satu" if n % 3 else "kec-dua",
            extra="").replace("tags: [posyandu]", f"tags: {tags}")
    site = build_site(make_site(files)).site
    find = Related(site)
    for story in site.stories:
        expected = _plain_related(site, story)
        assert find(story) == expected
        assert related(site, story) == expected
        assert len(expected) == 4


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["[", "]", ">", " ", "\t", "\u00a0", "\n", "a", "-"]),
               max_size=3000))
def test_the_quick_limit_check_agrees_with_the_line_by_line_one(body: str) -> None:
    assert check_body(body) == check_lines(body)


def test_the_quick_limit_check_lets_real_problems_through() -> None:
    assert check_body("\t" * 51 + "x") == check_lines("\t" * 51 + "x") is not None
    assert check_body("\u00a0" * 201 + "x") is not None
    assert check_body(">" * 21 + " x") is not None
    assert check_body("[" * 501) is not None


def test_a_big_tree_is_written_and_swapped_whole(tmp_path: Path) -> None:
    """Many files in many folders, the old tree removed by several threads: unchanged
    files keep their inode and mtime, a gone one is gone."""
    out = tmp_path / "output"
    files = [Output(f"berita/{n % 7}/cerita-{n}/index.html", f"<p>{n}</p>".encode())
             for n in range(768)]
    assert write(files, out) == (len(files), sum(len(f.data) for f in files))
    before = {f.path: (out / f.path).stat() for f in files}
    changed = Output(files[5].path, b"<p>baru</p>")
    write([*files[:5], changed, *files[6:-1]], out)  # one changed, the last one gone
    assert (out / changed.path).read_bytes() == b"<p>baru</p>"
    assert not (out / files[-1].path).exists()
    for f in files[:5] + files[6:-1]:
        now = (out / f.path).stat()
        assert (now.st_ino, now.st_mtime_ns) == (before[f.path].st_ino, before[f.path].st_mtime_ns)
    # The old tree is kept for the next build to update, nothing else is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".output.spare", "output"]
