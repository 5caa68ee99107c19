// Page behaviour without inline scripts (the CSP forbids them): the folding sidebar, local
// times next to UTC ones, and the replay drawer's close button.
(function () {
  "use strict";
  const KEY = "countersign.sidebar";
  const body = document.body;

  body.dataset.sidebar = localStorage.getItem(KEY) || "expanded";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-toggle-sidebar]")) {
      body.dataset.sidebar = body.dataset.sidebar === "collapsed" ? "expanded" : "collapsed";
      localStorage.setItem(KEY, body.dataset.sidebar);
    }
    if (event.target.closest("[data-close-drawer]")) {
      document.getElementById("drawer").replaceChildren();
    }
  });

  const local = new Intl.DateTimeFormat(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  function localTimes(root) {
    root.querySelectorAll("[data-utc]").forEach(function (el) {
      el.textContent = "(" + local.format(new Date(el.dataset.utc)) + ")";
    });
  }
  htmx.onLoad(localTimes);
})();
