// Behaviour that would otherwise need inline handlers, which the Content-Security-Policy forbids.

// Shared pages (the same bytes for every visitor, kept by the edge) carry no cart count, log-in, message or
// CSRF token. /visitor/ (never cached) has them; it is asked only when the sf_v cookie says there is
// something to show, or when a form is about to be posted without its token.
var shopVisitor = (function () {
  var pending = null;
  function load() {
    if (!pending) {
      pending = fetch("/visitor/", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); });
    }
    return pending;
  }
  function setTokens(token) {
    document.querySelectorAll('form[method="post"] input[name="csrfmiddlewaretoken"]').forEach(function (input) {
      if (!input.value) input.value = token;
    });
  }
  function show(state) {
    var slot = document.querySelector("[data-visitor]");
    if (slot) {
      var badge = slot.querySelector("[data-cart-count]");
      badge.textContent = String(state.cart_count);
      badge.hidden = false;
      if (state.user) {
        slot.querySelector("[data-anonymous]").hidden = true;
        slot.querySelector("[data-member]").hidden = false;
        slot.querySelector("[data-name]").textContent = state.user.name;
        slot.querySelector("[data-staff]").hidden = !state.user.is_staff;
      }
    }
    var box = document.querySelector("[data-messages]");
    if (box && state.messages.length) {
      state.messages.forEach(function (message) {
        var line = document.createElement("p");
        line.className = "msg msg-" + message.level;
        line.textContent = message.text;
        box.appendChild(line);
      });
      box.hidden = false;
    }
    setTokens(state.csrf_token);
  }
  return { load: load, show: show, setTokens: setTokens };
})();

document.addEventListener("DOMContentLoaded", function () {
  if (document.querySelector("[data-visitor]") && /(?:^|;\s*)sf_v=1(?:;|$)/.test(document.cookie)) {
    shopVisitor.load().then(shopVisitor.show).catch(function () {});
  }
  document.querySelectorAll('form[method="post"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
      if (!token || token.value) return;
      event.preventDefault();
      shopVisitor.load().then(function (state) {
        shopVisitor.setTokens(state.csrf_token);
        form.submit();
      }).catch(function () { form.submit(); });  // the server then asks to confirm
    });
  });

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // Product gallery: the thumbnails link to #view-N (works without JavaScript through :target);
  // here a click shows that view in place, without scrolling the page to it.
  document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
    var links = gallery.querySelectorAll("a[data-view]");
    if (!links.length) return;
    function show(id) {
      gallery.querySelectorAll(".view").forEach(function (view) {
        view.classList.toggle("is-active", view.id === id);
      });
      links.forEach(function (link) {
        link.setAttribute("aria-current", String(link.dataset.view === id));
      });
    }
    var first = links[0].dataset.view;
    var target = location.hash.slice(1);
    show(target && gallery.querySelector(".view#" + CSS.escape(target)) ? target : first);
    gallery.classList.add("js");
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        show(link.dataset.view);
        history.replaceState(null, "", "#" + link.dataset.view);
      });
    });
  });
});
