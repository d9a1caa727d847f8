// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Demo login: fill the form from the demo accounts table.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-demo-login]");
    if (!btn) return;
    var u = document.getElementById("id_username"), p = document.getElementById("id_password");
    if (u && p) { u.value = btn.dataset.demoLogin; p.value = btn.dataset.demoPassword; p.form.querySelector("[type=submit]").focus(); }
  });
  // Open the action form the URL points at (#act-resolve) and focus its first field.
  function openHash() {
    if (!location.hash || location.hash.indexOf("#act-") !== 0) return;
    var d = document.getElementById(location.hash.slice(1));
    if (d && d.tagName === "DETAILS") {
      d.open = true;
      var f = d.querySelector("textarea, input:not([type=hidden]), select");
      if (f) f.focus();
    }
  }
  window.addEventListener("hashchange", openHash);
  document.addEventListener("DOMContentLoaded", function () {
    openHash();
    // Progress pages poll with htmx; without htmx, reload until the job is done.
    var poll = document.querySelector("[data-poll]");
    if (poll && !window.htmx) setTimeout(function () { location.reload(); }, 1500);
  });
})();
