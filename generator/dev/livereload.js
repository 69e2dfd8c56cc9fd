// kabar serve: reload this tab when the portal is rebuilt; show build errors over the page.
// Added to pages only by `kabar serve`, never by `kabar build`.
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="kabar-build"]');
  const pageBuild = meta ? meta.content : "";

  function clear() {
    const overlay = document.getElementById("kabar-overlay");
    if (overlay) overlay.remove();
  }

  // The overlay's HTML comes from the server, which escapes every diagnostic in it.
  async function draw() {
    const response = await fetch("/__kabar/status", { cache: "no-store" });
    const status = await response.json();
    if (status.build !== pageBuild) {
      location.reload();
      return;
    }
    clear();
    if (!status.ok) document.body.insertAdjacentHTML("beforeend", status.overlay);
  }

  function onState(state) {
    if (state.build !== pageBuild) location.reload();
    else if (!state.ok) draw().catch(() => {});
    else clear();
  }

  // The page this tab shows: serve renders it as soon as a rebuild is done, while the
  // event is on its way, so the reload finds it made.
  const source = new EventSource("/__kabar/events?page=" + encodeURIComponent(location.pathname));
  source.onmessage = (event) => onState(JSON.parse(event.data));

  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-kabar-close]")) clear();
  });
})();
