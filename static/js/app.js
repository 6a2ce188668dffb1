/* Impactfonds: small behaviours without inline script (the Content-Security-Policy allows none). */
(function () {
  "use strict";

  // A select marked data-autosubmit (the language menu, filters) submits its form at once; a button
  // remains for browsers without JavaScript.
  function autoSubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // A table wider than the screen scrolls in its own region; keyboard users must be able to reach and
  // scroll it (WCAG 2.1.1), and screen readers hear what it holds.
  function scrollableRegions() {
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      if (region.hasAttribute("tabindex")) { return; }
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
        var table = region.querySelector("table");
        var caption = table && table.querySelector("caption");
        var heading = null;
        for (var el = region.previousElementSibling; el; el = el.previousElementSibling) {
          if (/^H[1-6]$/.test(el.tagName)) { heading = el; break; }
        }
        var text = (caption && caption.textContent) || (heading && heading.textContent) || document.title;
        region.setAttribute("aria-label", text.trim());
      }
    });
  }

  function ready() {
    autoSubmit();
    scrollableRegions();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  document.addEventListener("htmx:afterSettle", scrollableRegions);
})();
