// Behaviour that would otherwise need inline handlers, which the Content-Security-Policy forbids.
document.addEventListener("DOMContentLoaded", function () {
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
