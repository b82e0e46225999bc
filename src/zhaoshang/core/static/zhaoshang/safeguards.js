// Safeguards on every page (issue 11 points 5 and 6); no inline script under the CSP.
//
// 1. Confirmation: a form marked data-confirm (core/_confirm.html) opens its <dialog>, which says
//    what will happen, instead of submitting; 确认 sets the form's confirm field to 1 and submits,
//    once (a second tap does nothing). Without this script the server asks on a page of its own:
//    the views refuse a POST without confirm=1 (core/confirm.py).
// 2. 返回 on an error page (data-history-back) goes back in the browser's history, which keeps
//    what was typed in the form; a plain link would load the form empty.
// 3. Upload size: before a form is sent, each chosen file is held to its input's data-max-bytes
//    and the whole request to this script's data-upload-max (ZHAOSHANG_UPLOAD_MAX_MB); over a
//    limit the form is not sent, the file input says why, and everything typed stays.
(function () {
  "use strict";

  function mb(bytes) {
    var m = bytes / 1048576;
    return m >= 1 ? (Math.round(m * 10) / 10) + " MB" : Math.ceil(bytes / 1024) + " KB";
  }

  var script = document.currentScript;
  var requestMax = script ? parseInt(script.getAttribute("data-upload-max") || "0", 10) : 0;

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var ok = target.closest("[data-confirm-ok]");
    var cancel = target.closest("[data-confirm-cancel]");
    if (ok || cancel) {
      var dialog = (ok || cancel).closest("dialog");
      var form = dialog ? dialog.closest("form") : null;
      if (dialog) {
        dialog.close();
      }
      if (ok && form) {
        var flag = form.querySelector("[data-confirm-flag]");
        if (flag) {
          flag.value = "1";
        }
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.setAttribute("data-confirm-sent", "1");
          form.submit();
        }
      }
      return;
    }
    // --- 2. back in history ---------------------------------------------------------------
    var back = target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // --- 3. upload size -----------------------------------------------------------------------
  function fileProblem(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var files = input.files || [];
    for (var i = 0; i < files.length; i++) {
      if (limit && files[i].size > limit) {
        return "文件“" + files[i].name + "”大小为 " + mb(files[i].size) + "，超过上限 " + mb(limit) +
          "，请压缩或拆分后重新选择。已填写的其他内容不受影响。";
      }
    }
    return "";
  }

  function show(input, message) {
    input.setCustomValidity(message);
    var note = input.parentNode ? input.parentNode.querySelector(".upload-limit-error") : null;
    if (!note && message && input.parentNode) {
      note = document.createElement("small");
      note.className = "upload-limit-error field-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    if (note) {
      note.textContent = message;
      note.hidden = !message;
    }
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file") {
      show(input, fileProblem(input));
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var inputs = form.querySelectorAll("input[type=file]");
    var total = 0;
    var first = null;
    for (var i = 0; i < inputs.length; i++) {
      var problem = fileProblem(inputs[i]);
      show(inputs[i], problem);
      if (problem && !first) {
        first = inputs[i];
      }
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j++) {
        total += files[j].size;
      }
    }
    if (!first && requestMax && total > requestMax && inputs.length) {
      first = inputs[0];
      show(first, "所选文件共 " + mb(total) + "，超过一次提交的上限 " + mb(requestMax) +
        "，请减少或压缩文件后重新提交。已填写的其他内容不受影响。");
    }
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
      if (typeof first.reportValidity === "function") {
        first.reportValidity();
      }
    }
  }, true);
  // --- 1. confirmation (after the size check, which may stop the form first) --------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
      return;
    }
    var flag = form.querySelector("[data-confirm-flag]");
    if (form.getAttribute("data-confirm-sent") === "1") {
      event.preventDefault(); // already on its way: a double tap sends nothing more
      return;
    }
    if (flag && flag.value === "1") {
      form.setAttribute("data-confirm-sent", "1");
      return;
    }
    var dialog = form.querySelector("dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      return; // the server asks instead
    }
    event.preventDefault();
    dialog.showModal();
  }, true);

  // Back on a page kept in the browser's cache: its confirmed forms may be confirmed again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    var sent = document.querySelectorAll("form[data-confirm-sent]");
    for (var i = 0; i < sent.length; i++) {
      sent[i].removeAttribute("data-confirm-sent");
      var flag = sent[i].querySelector("[data-confirm-flag]");
      if (flag) {
        flag.value = "";
      }
    }
  });
})();
