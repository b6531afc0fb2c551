/* The home page carousel (WAI-ARIA APG "carousel" pattern).
 * - Rotates every 7 s only if the visitor has not asked for reduced motion.
 * - A pause button stops it (WCAG 2.2.2); hovering it or moving keyboard focus into it pauses it
 *   while there; previous/next buttons change the slide by hand.
 * - While it rotates the slides are not announced (aria-live="off"); once paused or moved by
 *   hand, the new slide is announced politely.
 * Without JavaScript every slide is shown, one under the other. */
(function () {
  "use strict";

  var INTERVAL = 7000;

  function initCarousel(carousel) {
    var slides = Array.prototype.slice.call(carousel.querySelectorAll("[data-carousel-slide]"));
    var controls = carousel.querySelector("[data-carousel-controls]");
    var live = carousel.querySelector("[data-carousel-slides]");
    var pauseButton = carousel.querySelector("[data-carousel-pause]");
    if (slides.length < 2 || !controls || !pauseButton) return;

    var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var current = 0;
    var timer = null;
    var stoppedByUser = reducedMotion;
    var hovered = false;
    var focused = false;

    function show(index, announce) {
      current = (index + slides.length) % slides.length;
      slides.forEach(function (slide, i) { slide.hidden = i !== current; });
      live.setAttribute("aria-live", announce ? "polite" : "off");
    }

    function updatePauseLabel() {
      pauseButton.querySelector("[data-label-pause]").hidden = stoppedByUser;
      pauseButton.querySelector("[data-label-play]").hidden = !stoppedByUser;
    }

    function schedule() {
      window.clearInterval(timer);
      timer = null;
      if (!stoppedByUser && !hovered && !focused) {
        timer = window.setInterval(function () { show(current + 1, false); }, INTERVAL);
      }
    }

    controls.hidden = false;
    pauseButton.removeAttribute("aria-pressed");
    show(0, false);
    updatePauseLabel();

    pauseButton.addEventListener("click", function () {
      stoppedByUser = !stoppedByUser;
      updatePauseLabel();
      schedule();
    });
    carousel.querySelector("[data-carousel-prev]").addEventListener("click", function () {
      show(current - 1, true);
    });
    carousel.querySelector("[data-carousel-next]").addEventListener("click", function () {
      show(current + 1, true);
    });
    carousel.addEventListener("mouseenter", function () { hovered = true; schedule(); });
    carousel.addEventListener("mouseleave", function () { hovered = false; schedule(); });
    carousel.addEventListener("focusin", function () { focused = true; schedule(); });
    carousel.addEventListener("focusout", function (event) {
      if (!carousel.contains(event.relatedTarget)) { focused = false; schedule(); }
    });
    carousel.addEventListener("keydown", function (event) {
      if (event.target.closest("[data-carousel-slides]") || event.target.closest("[data-carousel-controls]")) {
        if (event.key === "ArrowRight") { show(current + 1, true); }
        if (event.key === "ArrowLeft") { show(current - 1, true); }
      }
    });
    schedule();
  }

  function init() {
    document.querySelectorAll("[data-carousel]").forEach(initCarousel);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
