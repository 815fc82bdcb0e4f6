/* Wide tables scroll sideways inside .table-wrap on small screens. A region that scrolls
   must be reachable by keyboard and say what it holds (WCAG 2.1.1, 4.1.2): while it
   overflows, the wrapper becomes a focusable region named by the table's caption. Only
   then: a table that fits needs no extra tab stop. Without JavaScript every page still
   works; only scrolling a wide table by keyboard is then missing. */
(function () {
  "use strict";
  var MARK = "data-scroll-region";
  var counter = 0;

  function name(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) {
      if (!caption.id) {
        counter += 1;
        caption.id = "tabellentitel-" + counter;
      }
      wrap.setAttribute("aria-labelledby", caption.id);
    } else {
      wrap.setAttribute("aria-label", "Tabelle");
    }
  }

  function update(wrap) {
    var overflows = wrap.scrollWidth > wrap.clientWidth + 1;
    var marked = wrap.hasAttribute(MARK);
    if (overflows && !marked && !wrap.hasAttribute("tabindex")) {
      wrap.setAttribute(MARK, "");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      name(wrap);
    } else if (!overflows && marked) {
      ["tabindex", "role", "aria-labelledby", "aria-label", MARK].forEach(function (attr) {
        wrap.removeAttribute(attr);
      });
    }
  }

  function init() {
    var wraps = document.querySelectorAll(".table-wrap");
    var observer = window.ResizeObserver
      ? new ResizeObserver(function (entries) {
          entries.forEach(function (entry) { update(entry.target); });
        })
      : null;
    wraps.forEach(function (wrap) {
      update(wrap);
      if (observer) observer.observe(wrap);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
