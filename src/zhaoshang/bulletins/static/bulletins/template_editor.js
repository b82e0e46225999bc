/* The bulletin template editor (bulletins/template_edit.html): a click on a placeholder in the
   list inserts it where the cursor was in the last field used (the body until another is used),
   and tells htmx the text changed, so the preview is rendered again. No inline script: the page's
   Content-Security-Policy allows none. */
(function () {
  "use strict";

  function setup() {
    var form = document.getElementById("tpl-form");
    if (!form) return;
    var fields = form.querySelectorAll("[data-placeholders]");
    var body = form.querySelector("textarea[name=body]");
    var last = body;
    var status = document.getElementById("tpl-inserted");
    fields.forEach(function (field) {
      field.addEventListener("focus", function () { last = field; });
    });

    document.querySelectorAll(".tpl-insert").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-insert");
        var field = last || body;
        // A table stands on a line of its own: only the body has lines.
        if (button.hasAttribute("data-line") && field.tagName !== "TEXTAREA") field = body;
        var value = field.value;
        var start = field.selectionStart == null ? value.length : field.selectionStart;
        var end = field.selectionEnd == null ? start : field.selectionEnd;
        if (button.hasAttribute("data-line")) {
          if (start > 0 && value.charAt(start - 1) !== "\n") text = "\n" + text;
          if (end < value.length && value.charAt(end) !== "\n") text = text + "\n";
        }
        field.setRangeText(text, start, end, "end");
        field.dispatchEvent(new Event("input", { bubbles: true }));
        var label = field.labels && field.labels[0] ? field.labels[0].textContent.replace(/\s*\*$/, "") : "";
        if (status) status.textContent = "已插入 " + button.getAttribute("data-insert") + (label ? " 到“" + label.trim() + "”" : "");
        // On a desktop the cursor goes back to the text; on a phone the keyboard would cover the list.
        if (window.matchMedia("(min-width: 768px)").matches) field.focus();
        last = field;
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
