/* Main menu of the portal: disclosure buttons for the sub-menus and a menu toggle on narrow
 * screens. Every control is a native <button>, so Enter and Space work; Escape closes the open
 * sub-menu and returns focus to its button. Without JavaScript the menu is a plain list of links. */
(function () {
  "use strict";

  function closeSubmenu(button, restoreFocus) {
    var submenu = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", "false");
    if (submenu) submenu.hidden = true;
    if (restoreFocus) button.focus();
  }

  function initMenu(nav) {
    var toggles = Array.prototype.slice.call(nav.querySelectorAll("[data-submenu-toggle]"));

    toggles.forEach(function (button) {
      var submenu = document.getElementById(button.getAttribute("aria-controls"));
      if (!submenu) return;
      button.hidden = false;
      submenu.hidden = true;
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        toggles.forEach(function (other) {
          if (other !== button) closeSubmenu(other, false);
        });
        button.setAttribute("aria-expanded", open ? "false" : "true");
        submenu.hidden = open;
      });
      var item = button.parentElement;
      item.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
          event.preventDefault();
          closeSubmenu(button, true);
        }
      });
      item.addEventListener("focusout", function (event) {
        if (event.relatedTarget && !item.contains(event.relatedTarget)) {
          closeSubmenu(button, false);
        }
      });
    });

    document.addEventListener("click", function (event) {
      if (!nav.contains(event.target)) {
        toggles.forEach(function (button) { closeSubmenu(button, false); });
      }
    });

    var menuToggle = nav.querySelector("[data-nav-toggle]");
    var list = document.getElementById(menuToggle ? menuToggle.getAttribute("aria-controls") : "");
    if (menuToggle && list && window.matchMedia) {
      var narrow = window.matchMedia("(max-width: 60rem)");
      var sync = function () {
        menuToggle.hidden = !narrow.matches;
        if (narrow.matches) {
          var open = menuToggle.getAttribute("aria-expanded") === "true";
          if (open) list.removeAttribute("data-collapsed"); else list.setAttribute("data-collapsed", "");
        } else {
          list.removeAttribute("data-collapsed");
        }
      };
      menuToggle.addEventListener("click", function () {
        var open = menuToggle.getAttribute("aria-expanded") === "true";
        menuToggle.setAttribute("aria-expanded", open ? "false" : "true");
        sync();
      });
      if (narrow.addEventListener) narrow.addEventListener("change", sync);
      sync();
    }
  }

  function titleEmbeds() {
    // Embedded players must have a title for assistive technology (WCAG 4.1.2).
    document.querySelectorAll("[data-embed-title]").forEach(function (frame) {
      frame.querySelectorAll("iframe:not([title])").forEach(function (iframe) {
        iframe.setAttribute("title", frame.getAttribute("data-embed-title"));
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-main-nav]").forEach(initMenu);
    titleEmbeds();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
