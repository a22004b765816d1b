// Starts the Pagefind search box on search.html (the only page with JavaScript); search.html?q=低保 searches at once.
window.addEventListener("DOMContentLoaded", function () {
  // Results link relative to this page, so the site works under any sub-path.
  var base = new URL(".", window.location.href).pathname;
  var ui = new PagefindUI({ element: "#search", baseUrl: base, showSubResults: true });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { ui.triggerSearch(q); }
});
