// Activity form: show the fields of the chosen kind only, and add formset rows on demand.
(function () {
  var form = document.getElementById("activity-form");
  if (!form) return;
  var kind = form.querySelector("[name=kind]");
  function sync() {
    form.querySelectorAll(".field[data-kinds]").forEach(function (el) {
      var kinds = el.getAttribute("data-kinds").split(" ");
      el.hidden = !(kinds.indexOf("all") >= 0 || kinds.indexOf(kind.value) >= 0);
    });
  }
  kind.addEventListener("change", sync);
  sync();
  form.querySelectorAll("[data-add-row]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var prefix = btn.getAttribute("data-add-row");
      var total = form.querySelector("[name=" + prefix + "-TOTAL_FORMS]");
      var html = document.getElementById(prefix + "-empty").innerHTML.replace(/__prefix__/g, total.value);
      btn.insertAdjacentHTML("beforebegin", html);
      total.value = parseInt(total.value, 10) + 1;
    });
  });
})();
