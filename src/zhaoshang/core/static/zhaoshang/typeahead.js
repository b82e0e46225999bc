/* Type-ahead pickers (core/typeahead.py): a text box that lists at most 20 matches from the
   lookup endpoint as the clerk types (name, pinyin or initials) and posts the chosen record's pk
   in a hidden input. Keyboard: ↓/↑ move, Enter picks, Esc closes. No inline styles or handlers
   (Content-Security-Policy): visibility is the `hidden` attribute, looks are in app.css.
   Without this script the text box itself is posted and the server resolves the name. */
(function () {
  "use strict";

  function setup(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var input = box.querySelector("input[type=text]");
    var list = box.querySelector(".typeahead-list");
    var status = box.querySelector(".typeahead-status");
    // Several records (data-multiple): each pick adds a ticked box to the chosen list.
    var multiple = box.hasAttribute("data-multiple");
    var chosen = box.querySelector(".typeahead-chosen");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = multiple ? "" : input.dataset.pk || "";
    input.removeAttribute("name");
    if (!multiple) box.appendChild(hidden);
    var chosenLabel = hidden.value ? input.value : "";
    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;

    function close() {
      // An answer still on its way (or a search about to start) must not open the list again
      // after a pick, Esc or leaving the field.
      clearTimeout(timer);
      if (controller) controller.abort();
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) {
        o.setAttribute("aria-selected", j === i ? "true" : "false");
      });
      active = i;
      if (i >= 0 && options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      }
    }

    function pick(i) {
      var item = items[i];
      if (!item) return;
      if (multiple) {
        if (!chosen.querySelector("input[value='" + item.id + "']")) {
          var li = document.createElement("li");
          var label = document.createElement("label");
          var tick = document.createElement("input");
          tick.type = "checkbox";
          tick.name = hidden.name;
          tick.value = String(item.id);
          tick.checked = true;
          label.appendChild(tick);
          label.appendChild(document.createTextNode(" " + item.label));
          li.appendChild(label);
          chosen.appendChild(li);
        }
        input.value = "";
        status.textContent = "已添加：" + item.label;
        close();
        return;
      }
      hidden.value = String(item.id);
      input.value = item.label;
      chosenLabel = item.label;
      status.textContent = "已选择：" + item.label;
      close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(data) {
      items = data.results || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = input.id + "_opt" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "typeahead-name";
        name.textContent = item.label;
        li.appendChild(name);
        if (item.detail) {
          var detail = document.createElement("small");
          detail.className = "typeahead-detail";
          detail.textContent = item.detail;
          li.appendChild(detail);
        }
        // mousedown, not click: it comes before the box loses focus (and the list closes).
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          pick(i);
        });
        list.appendChild(li);
      });
      if (!items.length) {
        status.textContent = "没有找到匹配的记录";
        close();
        return;
      }
      status.textContent = data.more ? "仅显示前 " + items.length + " 条，请输入更多文字缩小范围" : "";
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function load() {
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var url = box.dataset.url + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(show)
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          status.textContent = "查找失败，请稍后再试";
        });
    }

    input.addEventListener("input", function () {
      // What was typed no longer names the chosen record: nothing chosen until a pick.
      if (!multiple && input.value !== chosenLabel) hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    });
    input.addEventListener("focus", function () {
      if (list.hidden) load();
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden) load();
        else highlight(Math.min(active + 1, items.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (e.key === "Enter" && !list.hidden) {
        // Enter picks (the first match if none is highlighted) rather than sending the form.
        e.preventDefault();
        pick(active >= 0 ? active : 0);
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function () {
        // Typed but not picked: the text goes to the server, which finds the name or says why not.
        if (multiple && input.value.trim()) {
          hidden.value = input.value.trim();
          box.appendChild(hidden);
        } else if (!multiple && !hidden.value && input.value.trim()) hidden.value = input.value.trim();
      });
    }
  }

  function init(root) {
    (root || document).querySelectorAll("[data-typeahead]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) {
    init(e.target);
  });
})();
