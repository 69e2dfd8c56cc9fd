// Search on /cari/ over the Pagefind bundle, through pagefind.js's API.
// An external module: no inline script, no eval. Pagefind runs WebAssembly, which a
// Content-Security-Policy must allow with script-src 'wasm-unsafe-eval' (docs/themes.md).
// Result text is only ever set as text (textContent), never parsed as HTML.

const PAGE_SIZE = 10;
const TYPING_DELAY_MS = 250;
// Pagefind (1.5) also matches words in a result's metadata. The region, the picture's
// description and the date are worth finding ("Lampuyang" finds the stories filed under
// that desa); addresses are not ("berita" would find every story with a picture), so they
// weigh nothing, and results that only match there are dropped.
const RANKING = { metaWeights: { image: 0, region_url: 0, date: 0 } };

const root = document.getElementById("pencarian");
if (root) {
  start(root);
}

async function start(root) {
  const form = root.querySelector("form");
  const input = form.elements.q;
  const fieldset = form.querySelector(".search-filters");
  const selects = [...form.querySelectorAll("select[data-filter]")];
  const sort = form.elements.urut;
  const status = root.querySelector(".search-status");
  const list = root.querySelector(".search-results");
  const more = root.querySelector(".search-more");
  const t = root.dataset;
  const say = (text) => { status.textContent = text; };
  const moreLabel = more.textContent;

  let pagefind;
  try {
    pagefind = await import(new URL("pagefind.js", new URL(t.bundle, location.href)).href);
    await pagefind.options({ ranking: RANKING });
    await pagefind.init();
  } catch (error) {
    console.warn("kabar: search unavailable", error);
    say(t.tError);
    return;
  }
  fieldset.hidden = false;

  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  for (const select of selects) {
    const wanted = params.get(select.name);
    if (wanted && [...select.options].some((o) => o.value === wanted)) {
      select.value = wanted;
    }
  }
  sort.value = params.get("urut") === "terbaru" ? "terbaru" : "";

  // A split index (data-bundles): the newest years at t.bundle, older groups of years in
  // bundles of their own, merged into this Pagefind (mergeIndex) only when a search needs
  // them, so the first query downloads one page list, not every one. Results come bundle
  // by bundle, newest years first (relevance or date order within each), and a bundle's
  // results are told apart by the year filter every story carries.
  const bundles = t.bundles ? JSON.parse(t.bundles) : [{ url: t.bundle, years: [] }];
  const merged = new Map([[bundles[0].url, Promise.resolve()]]);
  let reach = 1; // bundles[0..reach) are searched when no year is chosen

  function merge(bundle) {
    if (!merged.has(bundle.url)) {
      const url = new URL(bundle.url, location.href).pathname;
      merged.set(bundle.url, pagefind.mergeIndex(url));
    }
    return merged.get(bundle.url);
  }

  let generation = 0;
  let pending = [];
  let searched = []; // the bundles the current results come from
  let current = null; // the current search: { query, filters, newest, mine, found }

  async function run() {
    const query = input.value.trim();
    const filters = {};
    for (const select of selects) {
      if (select.value) filters[select.name] = select.value;
    }
    remember(query, filters, sort.value);
    const mine = ++generation;
    if (!query && !Object.keys(filters).length) {
      list.replaceChildren();
      more.hidden = true;
      say(t.tPrompt);
      return;
    }
    say(t.tLoading);
    current = { query, filters, newest: sort.value === "terbaru", mine, found: 0 };
    pending = [];
    searched = [];
    try {
      const year = filters.tahun;
      const targets = year
        ? bundles.filter((b) => !b.years.length || b.years.includes(Number(year)))
        : bundles.slice(0, reach);
      for (const bundle of targets) await extend(bundle);
      // Fewer than a page of results: the older years are searched as well.
      while (mine === generation && !year && current.found < PAGE_SIZE &&
             reach < bundles.length) {
        await extend(bundles[reach]);
        reach += 1;
      }
    } catch (error) {
      console.warn("kabar: search failed", error);
      if (mine === generation) say(t.tError);
      return;
    }
    if (mine !== generation) return; // a newer search started meanwhile
    list.replaceChildren();
    await showMore(mine);
    describe();
  }

  // Add one bundle's results to the current search.
  async function extend(bundle) {
    const { query, filters, newest, mine } = current;
    await merge(bundle);
    if (mine !== generation) return;
    const own = { ...filters };
    if (merged.size > 1 && !filters.tahun) {
      own.tahun = { any: bundle.years.map(String) }; // this bundle's stories only
    }
    const results = await find(query, own, newest);
    if (mine !== generation) return;
    pending.push(...results);
    searched.push(bundle);
    current.found += results.length;
  }

  function describe() {
    const { query, found } = current;
    const n = String(found);
    const template = found
      ? (query ? t.tResults : t.tResultsFiltered)
      : (query ? t.tNone : t.tNoneFiltered);
    let text = template.replaceAll("{n}", n).replaceAll("{q}", query);
    if (olderBundle()) {
      text += " " + t.tPartial.replaceAll("{years}", span(searched));
    }
    say(text);
  }

  // The next older bundle the current search may go on into, if any.
  function olderBundle() {
    if (!current || current.filters.tahun || searched.length < reach) return null;
    return bundles[reach] || null;
  }

  // Results by relevance, without those matching only weightless metadata (RANKING). With
  // a sort, Pagefind's score is the position, so the same results come back in date order.
  async function find(query, filters, newest) {
    const ranked = await pagefind.search(query || null, { filters });
    const results = query ? ranked.results.filter((r) => r.score > 0) : ranked.results;
    if (!newest) return results;
    const keep = new Set(results.map((r) => r.id));
    const sorted = await pagefind.search(query || null, { filters, sort: { date: "desc" } });
    return sorted.results.filter((r) => keep.has(r.id));
  }

  async function showMore(mine) {
    const next = pending.slice(0, PAGE_SIZE);
    pending = pending.slice(PAGE_SIZE);
    const data = await Promise.all(next.map((r) => r.data()));
    if (mine !== generation) return;
    list.append(...data.map(card));
    const older = olderBundle();
    more.hidden = pending.length === 0 && !older;
    more.textContent = pending.length === 0 && older
      ? t.tOlder.replaceAll("{years}", span([older])) : moreLabel;
  }

  // The more button: the next page of results, then the next older bundle's.
  async function onMore() {
    const mine = generation;
    const older = olderBundle();
    if (pending.length === 0 && older) {
      more.disabled = true;
      try {
        await extend(older);
        reach += 1;
      } catch (error) {
        console.warn("kabar: search failed", error);
        if (mine === generation) say(t.tError);
        return;
      } finally {
        more.disabled = false;
      }
      if (mine !== generation) return;
      describe();
    }
    await showMore(mine);
  }

  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, TYPING_DELAY_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  for (const select of [...selects, sort]) select.addEventListener("change", run);
  more.addEventListener("click", onMore);
  run();
}

// "2023" or "2019–2023": the years of some bundles.
function span(bundles) {
  const years = bundles.flatMap((b) => b.years);
  const [oldest, newest] = [Math.min(...years), Math.max(...years)];
  return oldest === newest ? String(oldest) : `${oldest}–${newest}`;
}

// Keep the search in the address bar, so it can be shared and survives a reload.
function remember(query, filters, order) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  for (const [key, value] of Object.entries(filters)) params.set(key, value);
  if (order) params.set("urut", order);
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

// One result, drawn like the theme's story cards (partials/card.html).
function card(data) {
  const meta = data.meta || {};
  const article = element("article", meta.image ? "card" : "card card-text");
  if (meta.image) {
    const img = element("img", "card-img");
    img.src = meta.image;
    img.alt = meta.image_alt || "";
    img.loading = "lazy";
    img.decoding = "async";
    article.append(img);
  }
  const body = element("div", "card-body");
  const category = (data.filters && data.filters.kategori || [])[0];
  if (category) body.append(element("p", "kicker", category));
  const title = element("h2", "card-title");
  const link = element("a", "", meta.title || data.url);
  link.href = data.url;
  title.append(link);
  body.append(title);
  const line = element("p", "meta");
  if (meta.date) {
    const time = element("time", "", meta.date_label || meta.date.slice(0, 10));
    time.dateTime = meta.date;
    line.append(time);
  }
  if (meta.region) {
    const region = element("a", "", meta.region);
    region.href = meta.region_url || "#";
    line.append(" ", region);
  }
  body.append(line);
  body.append(excerpt(data.excerpt || ""));
  article.append(body);
  return article;
}

// Pagefind's excerpt is text with "<" and ">" escaped and the matched words in <mark>:
// rebuild it from text nodes and <mark> elements, never through innerHTML.
function excerpt(html) {
  const paragraph = element("p", "card-summary");
  let marked = false;
  for (const part of html.split(/(<\/?mark>)/)) {
    if (part === "<mark>") { marked = true; continue; }
    if (part === "</mark>") { marked = false; continue; }
    if (!part) continue;
    const text = part.replaceAll("&lt;", "<").replaceAll("&gt;", ">");
    paragraph.append(marked ? element("mark", "", text) : document.createTextNode(text));
  }
  return paragraph;
}
