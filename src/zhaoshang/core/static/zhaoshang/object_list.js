// List pages (core/object_list.html): the filter form sends every field, most of them empty;
// the request, and so the address pushed into the history, carries only those filled in.
// After the results are redrawn, links that carry the list's query (data-list-query, such as
// 导出 Excel) follow the filters now in the address.
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.classList || !form.classList.contains("list-filters")) return;
    var data = event.detail.formData;
    if (!data) return;
    var names = [];
    data.forEach(function (value, name) {
      if (names.indexOf(name) < 0) names.push(name);
    });
    names.forEach(function (name) {
      var filled = data.getAll(name).some(function (v) {
        return typeof v !== "string" || v.trim() !== "";
      });
      // A yes/no drop-down left at its first choice (Django's NullBooleanSelect: 未知) says nothing.
      var control = form.querySelector("select[name='" + name + "']:not([multiple])");
      if (control && control.selectedIndex === 0 && control.options[0].value === "unknown") filled = false;
      if (!filled) data.delete(name);
    });
  });

  document.addEventListener("htmx:pushedIntoHistory", function () {
    var query = window.location.search.replace(/^\?/, "");
    document.querySelectorAll("a[data-list-query]").forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      url.search = query;
      link.href = url.pathname + url.search;
    });
  });
})();
