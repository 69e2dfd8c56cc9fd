"""UI strings of the themes, per site language (`t.key` in templates)."""

# Placeholders in braces ({n}, {name}, {kind}, {parent}, {items}) are filled by the
# templates with `|replace`; keep them when translating. Every language must have
# exactly the same keys (a test checks it).

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        # Layout and navigation
        "skip_to_content": "Lompat ke konten",
        "main_menu": "Menu utama",
        "breadcrumb": "Breadcrumb",
        "home": "Beranda",
        "regions": "Wilayah",
        "region": "Wilayah",
        "categories": "Kategori",
        "category": "Kategori",
        "tags": "Tag",
        "tag": "Tag",
        "authors": "Penulis",
        "author": "Penulis",
        "archives": "Arsip",
        "archive": "Arsip",
        "pages": "Halaman",
        "search": "Cari",
        "search_label": "Cari berita",
        "search_placeholder": "Ketik kata kunci",
        # Search page (/cari/); {q} is the query, {n} a number
        "search_title": "Cari berita",
        "search_intro": (
            "Cari berita dengan kata apa saja, misalnya nama desa, kecamatan, atau kegiatan. "
            "Saring hasilnya menurut wilayah, kategori, dan tahun."
        ),
        "search_filters": "Saring hasil",
        "search_all": "Semua",
        "year": "Tahun",
        "sort": "Urutkan",
        "sort_relevance": "Paling cocok",
        "sort_newest": "Terbaru dulu",
        "search_prompt": "Ketik kata kunci atau pilih saringan untuk mulai mencari.",
        "search_loading": "Mencari…",
        "search_results": "{n} berita cocok dengan “{q}”.",
        "search_results_filtered": "{n} berita cocok dengan saringan.",
        "search_none": (
            "Tidak ada berita yang cocok dengan “{q}”. Coba kata lain atau hapus saringan."
        ),
        "search_none_filtered": "Tidak ada berita yang cocok dengan saringan.",
        "search_more": "Tampilkan lebih banyak",
        # A split index; {years}: "2023", or "2021-2023" with an en dash
        "search_partial": "Dicari di berita {years}; berita yang lebih lama menyusul.",
        "search_older": "Cari juga di berita {years}",
        "search_error": (
            "Pencarian tidak dapat dimuat. Muat ulang halaman, atau telusuri berita lewat "
            "wilayah, kategori, dan arsip."
        ),
        "search_noscript": (
            "Pencarian memerlukan JavaScript, yang tidak aktif di peramban Anda. Anda tetap "
            "dapat menemukan berita lewat wilayah, kategori, dan arsip:"
        ),
        # Lists and pagination
        "latest": "Berita terbaru",
        "story_list": "Daftar berita",
        "stories_count": "{n} berita",
        "no_stories": "Belum ada berita di sini.",
        "pagination": "Navigasi halaman",
        "page_n": "Halaman {n}",
        "prev": "Sebelumnya",
        "next": "Berikutnya",
        "prev_page": "Halaman sebelumnya",
        "next_page": "Halaman berikutnya",
        "read_more": "Baca selengkapnya",
        # Story
        "by": "Oleh",
        "published": "Diterbitkan",
        "updated": "Diperbarui",
        "minutes_read": "menit baca",
        "reading_time": "{n} menit baca",
        "source": "Sumber",
        "toc": "Daftar isi",
        "share": "Bagikan",
        "share_on": "Bagikan ke",
        "related": "Berita terkait",
        "photo": "Foto",
        "role_operator": "Operator",
        "role_editor": "Editor",
        "status_published": "Terbit",
        "status_review": "Menunggu pemeriksaan: belum terbit",
        "status_draft": "Draf: belum terbit",
        "status_scheduled": "Terjadwal: terbit {date}",
        "status_expired": "Kedaluwarsa sejak {date}: informasi ini mungkin sudah tidak berlaku",
        # Regions
        "kabupaten": "Kabupaten",
        "kecamatan": "Kecamatan",
        "desa": "Desa",
        "kabupaten_plural": "Kabupaten",
        "kecamatan_plural": "Kecamatan",
        "desa_plural": "Desa",
        "kota": "Kota",
        "kota_plural": "Kota",
        "kelurahan": "Kelurahan",
        "kelurahan_plural": "Kelurahan",
        "region_name": "{kind} {name}",
        "news_from": "Kabar dari {name}",
        "latest_from": "Berita terbaru dari {name}",
        "items_in": "{items} di {name}",
        "region_intro": (
            "Ikuti kabar baik dan berita terbaru dari {name}: kegiatan warga, pembangunan, "
            "pendidikan, kesehatan, ekonomi, budaya, dan prestasi masyarakat setempat."
        ),
        "region_part_of": "{name} merupakan bagian dari {parent}.",
        "region_about": "Kabar seputar {list}.",
        "and": "dan",
        "regions_intro": (
            "Pilih wilayah untuk membaca kabar dari setiap kabupaten, kecamatan, dan desa."
        ),
        "archives_intro": "Semua berita menurut tahun dan bulan terbit.",
        # Fact checks
        "factchecks": "Cek Fakta",
        "factcheck": "Cek Fakta",
        "factchecks_intro": (
            "Klarifikasi kabar bohong dan menyesatkan yang beredar di wilayah kami, "
            "dengan kesimpulan dan sumber resminya."
        ),
        "claim": "Klaim yang beredar",
        "claim_where": "Beredar di",
        "claim_date": "Mulai beredar",
        "claim_url": "Lihat unggahan",
        "verdict": "Kesimpulan",
        "explanation": "Penjelasan",
        "sources": "Sumber",
        "verdicts_legend": "Arti label",
        "verdict_hoaks": "informasi yang tidak benar, sengaja dibuat seolah-olah benar.",
        "verdict_disinformasi": "informasi salah yang sengaja disebarkan untuk menipu.",
        "verdict_misinformasi": "informasi salah yang disebarkan tanpa niat menipu.",
        "verdict_malinformasi": "informasi benar yang dipakai untuk merugikan orang lain.",
        "verdict_menyesatkan": "sebagian benar, tetapi disajikan sehingga menyesatkan.",
        "verdict_sebagian-benar": "sebagian isinya benar, sebagian tidak.",
        "verdict_benar": "informasi yang beredar sesuai fakta.",
        "feeds": "Berlangganan",
        # Translations: `read_in` invites a reader of another version to this language, so
        # it is written in this language (the link carries lang="…" and hreflang="…").
        "language_name": "Bahasa Indonesia",
        "read_in": "Baca dalam bahasa Indonesia",
        "other_languages": "Bahasa lain",
        # Errors
        "not_found": "Halaman tidak ditemukan",
        "not_found_text": "Maaf, halaman yang Anda cari tidak ada atau sudah dipindahkan.",
        "not_found_hint": "Coba cari beritanya, atau mulai dari halaman berikut:",
        "back_home": "Kembali ke beranda",
        # Footer
        "follow_us": "Ikuti kami",
        "published_by": "Diterbitkan oleh {name}",
        "copyright": "Hak cipta dilindungi undang-undang.",
    },
    "en": {
        # Layout and navigation
        "skip_to_content": "Skip to content",
        "main_menu": "Main menu",
        "breadcrumb": "Breadcrumb",
        "home": "Home",
        "regions": "Regions",
        "region": "Region",
        "categories": "Categories",
        "category": "Category",
        "tags": "Tags",
        "tag": "Tag",
        "authors": "Authors",
        "author": "Author",
        "archives": "Archives",
        "archive": "Archive",
        "pages": "Pages",
        "search": "Search",
        "search_label": "Search stories",
        "search_placeholder": "Type a keyword",
        # Search page (/cari/); {q} is the query, {n} a number
        "search_title": "Search stories",
        "search_intro": (
            "Search the stories for any word, such as the name of a village, a district or "
            "an activity. Narrow the results by region, category and year."
        ),
        "search_filters": "Filter results",
        "search_all": "All",
        "year": "Year",
        "sort": "Sort by",
        "sort_relevance": "Best match",
        "sort_newest": "Newest first",
        "search_prompt": "Type a keyword or choose a filter to start searching.",
        "search_loading": "Searching…",
        "search_results": "{n} stories match “{q}”.",
        "search_results_filtered": "{n} stories match the filters.",
        "search_none": "No story matches “{q}”. Try another word or remove the filters.",
        "search_none_filtered": "No story matches the filters.",
        "search_more": "Show more",
        "search_partial": "Searched stories from {years}; older ones come next.",
        "search_older": "Also search stories from {years}",
        "search_error": (
            "Search could not be loaded. Reload the page, or browse the stories by region, "
            "category and archive."
        ),
        "search_noscript": (
            "Search needs JavaScript, which is turned off in your browser. You can still find "
            "stories by region, category and archive:"
        ),
        # Lists and pagination
        "latest": "Latest stories",
        "story_list": "Story list",
        "stories_count": "{n} stories",
        "no_stories": "No stories here yet.",
        "pagination": "Pagination",
        "page_n": "Page {n}",
        "prev": "Previous",
        "next": "Next",
        "prev_page": "Previous page",
        "next_page": "Next page",
        "read_more": "Read more",
        # Story
        "by": "By",
        "published": "Published",
        "updated": "Updated",
        "minutes_read": "min read",
        "reading_time": "{n} min read",
        "source": "Source",
        "toc": "Contents",
        "share": "Share",
        "share_on": "Share on",
        "related": "Related stories",
        "photo": "Photo",
        "role_operator": "Operator",
        "role_editor": "Editor",
        "status_published": "Published",
        "status_review": "Awaiting review: not published",
        "status_draft": "Draft: not published",
        "status_scheduled": "Scheduled: published {date}",
        "status_expired": "Expired on {date}: this information may no longer apply",
        # Regions
        "kabupaten": "Regency",
        "kecamatan": "District",
        "desa": "Village",
        "kabupaten_plural": "Regencies",
        "kecamatan_plural": "Districts",
        "desa_plural": "Villages",
        "kota": "City",
        "kota_plural": "Cities",
        "kelurahan": "Urban village",
        "kelurahan_plural": "Urban villages",
        "region_name": "{name} {kind}",
        "news_from": "News from {name}",
        "latest_from": "Latest stories from {name}",
        "items_in": "{items} in {name}",
        "region_intro": (
            "Follow the good news and latest stories from {name}: community life, "
            "development, education, health, the economy, culture and local achievements."
        ),
        "region_part_of": "{name} is part of {parent}.",
        "region_about": "News about {list}.",
        "and": "and",
        "regions_intro": "Choose a region to read the news of every regency, district and village.",
        "archives_intro": "All stories by year and month of publication.",
        # Fact checks
        "factchecks": "Fact checks",
        "factcheck": "Fact check",
        "factchecks_intro": (
            "Clarifications of false and misleading claims circulating in our region, "
            "with the verdict and the official sources."
        ),
        "claim": "The claim",
        "claim_where": "Circulated on",
        "claim_date": "First seen",
        "claim_url": "See the post",
        "verdict": "Verdict",
        "explanation": "Explanation",
        "sources": "Sources",
        "verdicts_legend": "What the labels mean",
        "verdict_hoaks": "a hoax: false information made to look true.",
        "verdict_disinformasi": "false information spread on purpose to deceive.",
        "verdict_misinformasi": "false information spread without intent to deceive.",
        "verdict_malinformasi": "true information used to harm someone.",
        "verdict_menyesatkan": "partly true, but presented so that it misleads.",
        "verdict_sebagian-benar": "partly true, partly not.",
        "verdict_benar": "the claim matches the facts.",
        "feeds": "Subscribe",
        # Translations
        "language_name": "English",
        "read_in": "Read in English",
        "other_languages": "Other languages",
        # Errors
        "not_found": "Page not found",
        "not_found_text": "Sorry, the page you are looking for does not exist or has moved.",
        "not_found_hint": "Try searching for the story, or start from these pages:",
        "back_home": "Back to the home page",
        # Footer
        "follow_us": "Follow us",
        "published_by": "Published by {name}",
        "copyright": "All rights reserved.",
    },
}
