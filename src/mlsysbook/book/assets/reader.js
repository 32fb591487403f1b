// Typesets every .math element with the locally served KaTeX (no network needed).
(function () {
  function typeset(root) {
    if (!window.katex) return;
    root.querySelectorAll(".math").forEach(function (el) {
      if (el.dataset.typeset) return;
      var tex = el.textContent;
      try {
        window.katex.render(tex, el, {
          displayMode: el.classList.contains("display"),
          throwOnError: false,
          strict: "ignore",
        });
        el.dataset.typeset = "1";
        el.setAttribute("title", tex);
      } catch (e) {
        /* leave the TeX source visible */
      }
    });
  }
  window.mlsysbookTypeset = typeset;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { typeset(document); });
  } else {
    typeset(document);
  }
  // htmx swaps in new fragments (search results, progress): typeset those too.
  document.addEventListener("htmx:afterSwap", function (ev) { typeset(ev.target); });
})();
