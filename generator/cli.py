"""The `kabar` command line: parses arguments, runs a command, prints, owns exit codes.

Exit codes: 0 success, 1 problems in the portal (diagnostics printed), 2 wrong usage.
A user mistake never prints a traceback; an unexpected exception is a bug in kabar and
says so.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from generator import __version__, audit, ping, readahead, report, scaffold
from generator.build import BuildOptions, BuildResult, build, load_site
from generator.diagnostics import (
    BuildFailed,
    Diagnostics,
    format_github,
    format_gitlab,
    format_report,
)
from generator.progress import Progress
from generator.report import formats, html
from generator.writer import OutputError, check_target, staging

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kabar` console script and `python -m generator`."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("\ndibatalkan; folder output/ tidak diubah.", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(f"\nIni kesalahan di kabar {__version__}, bukan di konten Anda. Mohon laporkan "
              "dengan menyertakan pesan di atas.", file=sys.stderr)
        return EXIT_BUG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kabar", description="Membangun portal berita positif daerah dari cerita Markdown.")
    parser.add_argument("--version", action="version", version=f"kabar {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")

    def root_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root", type=Path, default=Path(),
                       help="folder portal (berisi site.yaml); bawaan: folder ini")

    p = sub.add_parser("build", help="bangun portal ke folder output/")
    root_option(p)
    p.add_argument("--output", type=Path, default=None, help="folder hasil (bawaan: output/)")
    p.add_argument("--drafts", action="store_true",
                   help="ikutkan cerita draft dan review (dengan label, noindex)")
    p.add_argument("--base-url", default=None, help="ganti base_url dari site.yaml")
    p.add_argument("--strict", action="store_true", help="peringatan dianggap kesalahan (CI)")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="jumlah proses untuk front matter, Markdown, dan halaman (bawaan: "
                   "front matter dan Markdown sebanyak CPU bila banyak cerita, sitemap dan "
                   "feed di proses kedua dari 1.000 sampai 50.000 cerita, halaman di proses "
                   "utama ditambah satu proses pendamping dari 2.000 sampai 250.000 halaman "
                   "selama semua proses memakai kurang dari 2,6 GB; "
                   "N>1 lebih cepat tetapi butuh lebih banyak memori; 1: tanpa proses "
                   "tambahan)")
    p.set_defaults(run=_cmd_build)

    p = sub.add_parser("check", help="periksa semua konten tanpa menulis apa pun")
    root_option(p)
    p.add_argument("--drafts", action="store_true", help="periksa juga cerita draft/review")
    p.add_argument("--strict", action="store_true", help="peringatan dianggap kesalahan (CI)")
    p.add_argument("--format", choices=("text", "github", "gitlab"), default="text",
                   help="github: anotasi GitHub Actions (::error file=…,line=…::) di stdout; "
                   "gitlab: laporan Code Quality GitLab (JSON) di stdout; pesan biasa tetap "
                   "di stderr")
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser("serve", help="pratinjau di peramban: dibangun ulang setiap kali disimpan")
    root_option(p)
    p.add_argument("--host", default="127.0.0.1",
                   help="alamat yang didengarkan (bawaan: 127.0.0.1, hanya komputer ini)")
    p.add_argument("--port", type=_port, default=8000, help="port (bawaan: 8000; 0: bebas)")
    p.add_argument("--drafts", action="store_true",
                   help="selalu aktif pada serve: draf dan review tampil dengan label, noindex")
    p.set_defaults(run=_cmd_serve)

    p = sub.add_parser("new", help="buat berkas cerita baru")
    root_option(p)
    p.add_argument("title", help="judul cerita, dalam tanda kutip")
    p.add_argument("--region", required=True, help="id wilayah dari site.yaml")
    p.add_argument("--category", required=True, help="id kategori dari site.yaml")
    p.add_argument("--author", default=None, help="id operator (bawaan: operator pertama)")
    p.set_defaults(run=_cmd_new)

    p = sub.add_parser("init", help="buat portal baru yang siap dibangun")
    p.add_argument("directory", type=Path, help="folder baru untuk portal")
    p.set_defaults(run=_cmd_init)

    p = sub.add_parser(
        "ping", help="kabari mesin pencari (IndexNow) halaman yang baru atau berubah",
        description="Mengirim ke IndexNow alamat halaman yang baru atau berubah sejak ping "
        "terakhir yang berhasil (yang dihapus tidak dikirim). Jalankan setelah hasil build "
        "terbit di server: mesin pencari membaca berkas kunci dari situs Anda.")
    root_option(p)
    p.add_argument("--output", type=Path, default=None, help="folder hasil (bawaan: output/)")
    p.add_argument("--previous", "--since", dest="previous", metavar="MANIFEST", default=None,
                   help="manifest pembanding: berkas atau URL (misalnya https://situs/"
                   ".well-known/kabar-manifest.json); bawaan: catatan ping terakhir di "
                   f"{ping.STATE_FILE.as_posix()}")
    p.add_argument("--dry-run", action="store_true",
                   help="tampilkan alamat yang akan dikirim tanpa mengirim apa pun")
    p.set_defaults(run=_cmd_ping)

    p = sub.add_parser(
        "audit", help="periksa hasil build: tautan rusak, judul ganda, alt, kata kunci",
        description="Memeriksa hasil build di output/: tautan internal rusak, judul dan "
        "deskripsi ganda, panjang judul ({}-{} karakter) dan deskripsi ({}-{}), gambar tanpa "
        "alt, halaman yatim, halaman berat, dan jangkauan kata kunci (keywords) setiap "
        "wilayah: di berapa halaman kata itu ada di judul, h1, alamat atau deskripsi, apakah "
        "ada di judul/h1 hub wilayahnya, dan berapa halaman lain yang menautkan hub itu. "
        "Saran audit mengikuti kebijakan spam Google: jangkauan datang dari cerita yang "
        "berbeda dan nyata tentang setiap tempat, bukan dari halaman pintu (doorway) "
        "bertemplat atau kata kunci yang ditumpuk.".format(*audit.TITLE_RANGE,
                                                          *audit.DESCRIPTION_RANGE))
    root_option(p)
    p.add_argument("--output", type=Path, default=None, help="folder hasil (bawaan: output/)")
    p.add_argument("--json", action="store_true", help="laporan JSON untuk mesin")
    p.add_argument("--strict", action="store_true",
                   help="keluar dengan kode 1 bila ada kesalahan (tautan rusak, judul ganda, "
                   "gambar tanpa alt)")
    p.add_argument("--max-kb", type=int, default=audit.HEAVY_KB, metavar="KB",
                   help=f"batas berat HTML satu halaman (bawaan: {audit.HEAVY_KB})")
    p.set_defaults(run=_cmd_audit)

    p = sub.add_parser(
        "report", help="laporan mingguan: berita per kabupaten, kecamatan, operator, kategori",
        description="Laporan berita yang terbit dalam satu minggu (bawaan: minggu lalu yang "
        "lengkap, Senin-Minggu) atau rentang tanggal: per kabupaten, kecamatan (yang belum "
        "menerbitkan apa pun disebut), operator dan kategori, tag teratas, daftar berita "
        f"dengan tautannya, dan tren terhadap {report.TREND_PERIODS} periode sebelumnya.")
    root_option(p)
    when = p.add_mutually_exclusive_group()
    when.add_argument("--week", metavar="TAHUN-Wnn", help="minggu ISO, misalnya 2024-W47")
    when.add_argument("--since", metavar="TANGGAL", type=_day,
                      help="tanggal awal (2024-11-01), bersama --until")
    p.add_argument("--until", metavar="TANGGAL", type=_day,
                   help="tanggal akhir, ikut dihitung (bawaan: hari ini)")
    p.add_argument("--format", choices=REPORT_FORMATS, default=None,
                   help="html (untuk dicetak), md, csv (untuk spreadsheet) atau json; bawaan: "
                   "menurut akhiran --output, selain itu md")
    p.add_argument("--output", type=Path, default=None,
                   help="tulis ke berkas ini (bawaan: layar / stdout)")
    p.set_defaults(run=_cmd_report)
    return parser


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"--jobs harus angka 1-256, bukan '{text}'")
    return int(text)


REPORT_FORMATS = ("html", "md", "csv", "json")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"tanggal '{text}' tidak bisa dibaca; tulis tahun-bulan-tanggal, misalnya "
            "2024-11-18") from None


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"port harus angka 0-65535, bukan '{text}'")
    return int(text)


def _print_diagnostics(diags: Diagnostics) -> None:
    if len(diags):
        print(format_report(diags), file=sys.stderr)


def _failed(exc: BuildFailed) -> int:
    _print_diagnostics(exc.diagnostics)
    errors, warnings = len(exc.diagnostics.errors), len(exc.diagnostics.warnings)
    print(f"gagal: {errors} kesalahan, {warnings} peringatan. Folder output/ tidak diubah.",
          file=sys.stderr)
    return EXIT_ERRORS


def _cmd_build(args: argparse.Namespace) -> int:
    root: Path = args.root
    out: Path = args.output if args.output is not None else root / "output"
    try:
        check_target(out, root)
        progress = Progress(sys.stderr, interactive=sys.stderr.isatty() and
                            not os.environ.get("CI"))
        # Each file is written into a staging folder as soon as it is made, and swapped in
        # only after the whole build succeeded; a failure removes the staging folder.
        # The live output's files and the older tree the writer updates are looked at
        # ahead of the writer (generator/readahead.py).
        with staging(out) as stage, readahead.tree(out, stage.folder), \
                _young_collections_only():
            result: BuildResult = build(root, BuildOptions(
                drafts=args.drafts, base_url=args.base_url, strict=args.strict,
                progress=progress, jobs=args.jobs), sink=stage)
            files, _size = stage.commit()
    except BuildFailed as exc:
        return _failed(exc)
    except (OutputError, OSError) as exc:
        print(f"{out}: error: tidak bisa menulis hasil: {_why(exc)}", file=sys.stderr)
        print("  hint: periksa izin tulis dan ruang disk; folder output/ lama tidak diubah",
              file=sys.stderr)
        return EXIT_ERRORS
    _print_diagnostics(result.diagnostics)
    print(result.summary(files))
    _print_schedule(result)
    return EXIT_OK


#: Full collections wait for this many young ones: none comes in a build (see below).
_NEVER = 1 << 30


@contextlib.contextmanager
def _young_collections_only() -> Iterator[None]:
    """No full garbage collection while `kabar build` runs; the threshold comes back after.

    What a build keeps (the Site, its views, the page keys) lives until the build ends, and
    each full collection walks all of it again to find almost nothing: on 10,000 stories,
    8 full collections took 1.1 s of a 9-12 s one-edit build and freed 231 objects; in a
    cold build, 9 freed 22,078 (the page templates' cycles die young: the young collections,
    still on, free 2.2 million). `kabar serve` runs for hours, so it keeps the default."""
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


def _print_schedule(result: BuildResult) -> None:
    note = result.schedule_note()
    if note:
        print(note)


#: What the usual write failures mean, in the operator's words.
_WRITE_ERRORS = {
    errno.ENOSPC: "disk penuh",
    errno.EDQUOT: "kuota disk habis",
    errno.EFBIG: "berkas melebihi batas ukuran yang diizinkan sistem",
    errno.EROFS: "folder hanya-baca (read-only)",
    errno.EACCES: "tidak ada izin tulis",
    errno.EPERM: "tidak diizinkan menulis",
}


def _why(exc: Exception) -> str:
    """`disk penuh ([Errno 28] No space left on device: '…')`: plain words first."""
    words = _WRITE_ERRORS.get(exc.errno) if isinstance(exc, OSError) and exc.errno else None
    return f"{words} ({exc})" if words else str(exc)


def _cmd_check(args: argparse.Namespace) -> int:
    machine = {"github": format_github, "gitlab": format_gitlab}.get(args.format)
    try:
        result = build(args.root, BuildOptions(drafts=bool(args.drafts),
                                               strict=args.strict))
    except BuildFailed as exc:
        if machine is not None:
            print(machine(exc.diagnostics))
        return _failed(exc)
    if machine is not None:  # stdout is for the machine (GitLab reads it as JSON)
        print(machine(result.diagnostics))
    _print_diagnostics(result.diagnostics)
    notes = len(result.diagnostics.notes)
    checks = len(result.site.factchecks)
    say = sys.stderr if machine is not None else sys.stdout
    print(f"ok: {len(result.site.stories) + len(result.site.translations)} cerita"
          + (f" dan {checks} cek fakta" if checks else "") + " diperiksa, "
          f"{len(result.diagnostics.warnings)} peringatan" + (f", {notes} info" if notes else ""),
          file=say)
    note = result.schedule_note()
    if note:
        print(note, file=say)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    # Imported here: the dev server (watchdog, http.server) is no part of `kabar build`,
    # which would otherwise load it on every run (0.1-0.2 s).
    from generator import dev

    return dev.serve(args.root, host=args.host, port=args.port)


def _cmd_new(args: argparse.Namespace) -> int:
    diags = Diagnostics()
    path = scaffold.new_story(args.root, args.title, region=args.region,
                              category=args.category, author=args.author, diags=diags)
    _print_diagnostics(diags)
    if path is None:
        return EXIT_ERRORS
    print(f"dibuat: {path.as_posix()}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    diags = Diagnostics()
    created = scaffold.init_portal(args.directory, diags)
    _print_diagnostics(diags)
    if not created:
        return EXIT_ERRORS
    print(f"portal baru dibuat di {args.directory}. Langkah berikut:\n"
          f"  cd {args.directory}\n  kabar build")
    return EXIT_OK


def _cmd_ping(args: argparse.Namespace) -> int:
    root: Path = args.root
    out: Path = args.output if args.output is not None else root / "output"
    diags = Diagnostics()
    plan = ping.plan(root, out, diags, previous=args.previous)
    if plan is None:
        _print_diagnostics(diags)
        return EXIT_ERRORS
    if not plan.urls:
        print("tidak ada halaman baru atau berubah; tidak ada yang dikirim")
        return EXIT_OK
    count = len(ping.batches(plan.urls))
    first = " (ping pertama: semua halaman)" if plan.first else ""
    if args.dry_run:
        print("\n".join(plan.urls))
        print(f"uji coba: {len(plan.urls)} alamat{first} akan dikirim ke {plan.endpoint} "
              f"dalam {count} kiriman; tidak ada yang dikirim")
        return EXIT_OK
    sent = ping.send(plan, root, diags)
    _print_diagnostics(diags)
    if sent is None:
        return EXIT_ERRORS
    print(f"terkirim: {sent.urls} alamat baru atau berubah{first} ke {plan.endpoint} "
          f"dalam {sent.batches} kiriman")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    root: Path = args.root
    out: Path = args.output if args.output is not None else root / "output"
    diags = Diagnostics()
    report = audit.audit(root, out, diags, max_kb=args.max_kb)
    if report is None:
        _print_diagnostics(diags)
        return EXIT_ERRORS
    print(audit.to_json(report) if args.json else audit.to_text(report, out.as_posix()))
    return EXIT_ERRORS if args.strict and report.errors else EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    chosen: str | None = args.format
    if chosen is None and args.output is not None:
        suffix = args.output.suffix.lower().lstrip(".")
        chosen = {"htm": "html", "markdown": "md"}.get(suffix, suffix)
    fmt = chosen if chosen in REPORT_FORMATS else "md"
    if args.until is not None and args.since is None:
        print("kabar report: error: --until hanya bersama --since", file=sys.stderr)
        return EXIT_USAGE
    diags = Diagnostics()
    try:
        site = load_site(args.root, BuildOptions(), diags)
    except BuildFailed as exc:
        return _failed(exc)
    if args.week:
        period = report.parse_week(args.week)
        if period is None:
            print(f"kabar report: error: minggu '{args.week}' tidak ada; tulis tahun-Wnn, "
                  "misalnya 2024-W47", file=sys.stderr)
            return EXIT_USAGE
    elif args.since is not None:
        until = args.until or site.build_time.date()
        if until < args.since:
            print("kabar report: error: --until lebih awal dari --since", file=sys.stderr)
            return EXIT_USAGE
        period = report.period(args.since, until)
    else:
        period = report.default_period(site.build_time)
    data = report.weekly(site, period)
    diags.items[:] = [d for d in diags if d.severity != "info"]  # review notes: not the report's
    printer = {"html": html.to_html, "md": formats.to_markdown, "csv": formats.to_csv,
               "json": formats.to_json}[fmt]
    output = printer(data)
    _print_diagnostics(diags)
    if args.output is None:
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
        return EXIT_OK
    try:
        partial = args.output.with_name(f".{args.output.name}.tmp")
        partial.write_bytes(output)
        partial.replace(args.output)  # never a half-written report under the real name
    except OSError as exc:
        print(f"{args.output}: error: tidak bisa menulis laporan: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"laporan {period.label} ({data.total} berita) ditulis ke {args.output}",
          file=sys.stderr)
    return EXIT_OK
