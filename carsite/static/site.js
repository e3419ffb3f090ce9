/* carsite: progressive enhancement only. Every page works without this file: the menu is a <details>, the filter
   drawer an anchor (#filters, shown by :target), the photo gallery plain links (?photo=N). Served from 'self', so
   the Content-Security-Policy (script-src 'self') allows it; no inline script anywhere. */
(function () {
  "use strict";

  function onKey(handler) { document.addEventListener("keydown", handler); }

  /* -- header menu: close on Escape and on a click elsewhere ------------------------------------------------- */
  function menus() {
    document.querySelectorAll("details.menu").forEach(function (menu) {
      document.addEventListener("click", function (event) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    });
  }

  /* -- results page: the filters as a drawer on phones ------------------------------------------------------- */
  function filterDrawer() {
    var panel = document.getElementById("filters");
    var opener = document.querySelector(".filters-button");
    if (!panel || !opener) return;
    var closer = panel.querySelector(".drawer-close");
    function isDrawer() { return getComputedStyle(opener).display !== "none"; }
    function open() {
      panel.classList.add("open");
      document.body.classList.add("drawer-open");
      opener.setAttribute("aria-expanded", "true");
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-modal", "true");
      panel.focus();
    }
    function close() {
      panel.classList.remove("open");
      document.body.classList.remove("drawer-open");
      opener.setAttribute("aria-expanded", "false");
      panel.removeAttribute("role");
      panel.removeAttribute("aria-modal");
      if (location.hash === "#filters") history.replaceState(null, "", location.pathname + location.search);
      opener.focus();
    }
    opener.setAttribute("aria-expanded", "false");
    opener.addEventListener("click", function (event) {
      if (!isDrawer()) return;
      event.preventDefault();
      open();
    });
    if (closer) closer.addEventListener("click", function (event) {
      event.preventDefault();
      close();
    });
    onKey(function (event) {
      if (event.key === "Escape" && panel.classList.contains("open")) close();
    });
    if (location.hash === "#filters" && isDrawer()) open();
  }

  /* -- car page: photos flip in place; a full-screen, swipeable, zoomable viewer ------------------------------ */
  function gallery() {
    var box = document.querySelector(".gallery[data-photos]");
    if (!box) return;
    var urls = JSON.parse(box.getAttribute("data-photos"));
    var index = parseInt(box.getAttribute("data-start"), 10) || 0;
    var main = box.querySelector("img.car-photo");
    var counter = box.querySelector(".gallery-nav span");
    var thumbs = Array.prototype.slice.call(box.querySelectorAll(".thumbs a"));
    var title = main.getAttribute("alt").replace(/, photo \d+ of \d+$/, "");
    var viewer = null;

    function preload(i) { if (urls.length > 1) { var img = new Image(); img.src = urls[(i + urls.length) % urls.length]; } }

    function show(i) {
      index = (i + urls.length) % urls.length;
      main.src = urls[index];
      main.alt = title + ", photo " + (index + 1) + " of " + urls.length;
      if (counter) counter.textContent = (index + 1) + " / " + urls.length;
      thumbs.forEach(function (t, n) {
        if (n === index) t.setAttribute("aria-current", "true"); else t.removeAttribute("aria-current");
      });
      var url = new URL(location.href);
      url.searchParams.set("photo", String(index));
      url.hash = "";
      history.replaceState(null, "", url.pathname + url.search);
      if (viewer) viewer.update();
      preload(index + 1);
      preload(index - 1);
    }

    function plainClick(event) { return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey; }

    box.querySelectorAll(".gallery-nav a").forEach(function (link, n, all) {
      link.addEventListener("click", function (event) {
        if (!plainClick(event)) return;
        event.preventDefault();
        show(index + (link === all[0] ? -1 : 1));
      });
    });
    thumbs.forEach(function (link, n) {
      link.addEventListener("click", function (event) {
        if (!plainClick(event)) return;
        event.preventDefault();
        show(n);
      });
    });

    swipe(main, function (step) { show(index + step); }, function () { openViewer(); });
    main.setAttribute("tabindex", "0");
    main.setAttribute("role", "button");
    main.setAttribute("aria-label", "Open the photos full screen");
    main.classList.add("zoomable");
    main.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openViewer(); }
      else if (event.key === "ArrowRight") show(index + 1);
      else if (event.key === "ArrowLeft") show(index - 1);
    });

    function openViewer() {
      if (!viewer) viewer = makeViewer();
      viewer.open();
    }

    function makeViewer() {
      var root = document.createElement("div");
      root.className = "viewer";
      root.setAttribute("role", "dialog");
      root.setAttribute("aria-modal", "true");
      root.setAttribute("aria-label", title + ": photos");
      root.hidden = true;
      root.innerHTML =
        '<div class="viewer-stage"><img class="viewer-img" alt="" draggable="false"></div>' +
        '<p class="viewer-count" aria-live="polite"></p>' +
        '<button type="button" class="viewer-close" aria-label="Close (Escape)">×</button>' +
        '<button type="button" class="viewer-zoom" aria-label="Zoom in" aria-pressed="false">+</button>' +
        (urls.length > 1 ? '<button type="button" class="viewer-prev" aria-label="Previous photo">‹</button>' +
          '<button type="button" class="viewer-next" aria-label="Next photo">›</button>' : "");
      document.body.appendChild(root);
      var stage = root.querySelector(".viewer-stage");
      var img = root.querySelector(".viewer-img");
      var count = root.querySelector(".viewer-count");
      var zoomButton = root.querySelector(".viewer-zoom");
      var returnFocus = null;
      var scale = 1, x = 0, y = 0;

      function apply() {
        img.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
        root.classList.toggle("zoomed", scale > 1);
        zoomButton.setAttribute("aria-pressed", scale > 1 ? "true" : "false");
        zoomButton.setAttribute("aria-label", scale > 1 ? "Zoom out" : "Zoom in");
        zoomButton.textContent = scale > 1 ? "−" : "+";
      }
      function zoom(to, cx, cy) {
        var rect = img.getBoundingClientRect();
        var next = Math.max(1, Math.min(4, to));
        if (next === 1) { x = 0; y = 0; }
        else if (cx !== undefined) {
          /* keep the point under the finger or pointer where it is */
          var ox = cx - (rect.left + rect.width / 2), oy = cy - (rect.top + rect.height / 2);
          x -= ox * (next / scale - 1);
          y -= oy * (next / scale - 1);
        }
        scale = next;
        apply();
      }
      var api = {
        update: function () {
          img.src = urls[index];
          img.alt = title + ", photo " + (index + 1) + " of " + urls.length;
          count.textContent = (index + 1) + " / " + urls.length;
          scale = 1; x = 0; y = 0; apply();
        },
        open: function () {
          returnFocus = document.activeElement;
          root.hidden = false;
          document.body.classList.add("viewer-open");
          api.update();
          root.querySelector(".viewer-close").focus();
        },
        close: function () {
          root.hidden = true;
          document.body.classList.remove("viewer-open");
          if (returnFocus && returnFocus.focus) returnFocus.focus();
        },
        isOpen: function () { return !root.hidden; },
        zoom: zoom
      };
      root.querySelector(".viewer-close").addEventListener("click", api.close);
      zoomButton.addEventListener("click", function () { zoom(scale > 1 ? 1 : 2.5); });
      if (urls.length > 1) {
        root.querySelector(".viewer-prev").addEventListener("click", function () { show(index - 1); });
        root.querySelector(".viewer-next").addEventListener("click", function () { show(index + 1); });
      }
      /* on the document: a tap on the photo takes the focus off the buttons */
      document.addEventListener("keydown", function (event) {
        if (root.hidden) return;
        if (event.key === "Escape") { event.preventDefault(); api.close(); }
        else if (event.key === "ArrowRight" && scale === 1) { event.preventDefault(); show(index + 1); }
        else if (event.key === "ArrowLeft" && scale === 1) { event.preventDefault(); show(index - 1); }
        else if (event.key === "+" || event.key === "=") zoom(scale * 1.5);
        else if (event.key === "-") zoom(scale / 1.5);
        else if (event.key === "Tab") {
          /* keep focus inside the dialog */
          var buttons = Array.prototype.slice.call(root.querySelectorAll("button"));
          var at = buttons.indexOf(document.activeElement);
          event.preventDefault();
          buttons[(at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length].focus();
        }
      });
      stage.addEventListener("wheel", function (event) {
        event.preventDefault();
        zoom(scale * (event.deltaY < 0 ? 1.2 : 1 / 1.2), event.clientX, event.clientY);
      }, { passive: false });
      stage.addEventListener("dblclick", function (event) { zoom(scale > 1 ? 1 : 2.5, event.clientX, event.clientY); });

      /* pointers: one finger swipes (or pans when zoomed), two pinch; a double tap zooms */
      var pointers = {}, start = null, pinch = null, lastTap = 0;
      stage.addEventListener("pointerdown", function (event) {
        if (event.target.closest("button")) return;
        stage.setPointerCapture(event.pointerId);
        pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
        var ids = Object.keys(pointers);
        if (ids.length === 2) {
          var a = pointers[ids[0]], b = pointers[ids[1]];
          pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), scale: scale, cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2 };
          start = null;
        } else if (ids.length === 1) {
          start = { x: event.clientX, y: event.clientY, ox: x, oy: y, t: Date.now() };
        }
      });
      stage.addEventListener("pointermove", function (event) {
        if (!pointers[event.pointerId]) return;
        pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
        var ids = Object.keys(pointers);
        if (pinch && ids.length === 2) {
          var a = pointers[ids[0]], b = pointers[ids[1]];
          var d = Math.hypot(a.x - b.x, a.y - b.y);
          zoom(pinch.scale * d / pinch.d, pinch.cx, pinch.cy);
          pinch.scale = scale; pinch.d = d;
        } else if (start) {
          var dx = event.clientX - start.x, dy = event.clientY - start.y;
          if (scale > 1) { x = start.ox + dx; y = start.oy + dy; apply(); }
          else { img.style.transform = "translateX(" + dx + "px)"; }
        }
      });
      function release(event) {
        if (!pointers[event.pointerId]) return;
        delete pointers[event.pointerId];
        if (pinch) { if (!Object.keys(pointers).length) pinch = null; return; }
        if (!start) return;
        var dx = event.clientX - start.x, dy = event.clientY - start.y;
        var moved = Math.abs(dx) > 10 || Math.abs(dy) > 10;
        if (scale === 1) {
          img.style.transform = "";
          if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy)) show(index + (dx < 0 ? 1 : -1));
          else if (dy > 120 && Math.abs(dy) > Math.abs(dx)) api.close();
        }
        if (!moved && event.pointerType !== "mouse") {
          if (Date.now() - lastTap < 300) { zoom(scale > 1 ? 1 : 2.5, event.clientX, event.clientY); lastTap = 0; }
          else lastTap = Date.now();
        }
        start = null;
      }
      stage.addEventListener("pointerup", release);
      stage.addEventListener("pointercancel", release);
      return api;
    }
  }

  /* A horizontal swipe on ``el`` calls step(+1 / -1); a tap or click calls tap(). Vertical scrolling stays the
     browser's (touch-action: pan-y in the stylesheet). */
  function swipe(el, step, tap) {
    var start = null;
    el.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      start = { x: event.clientX, y: event.clientY };
    });
    el.addEventListener("pointerup", function (event) {
      if (!start) return;
      var dx = event.clientX - start.x, dy = event.clientY - start.y;
      start = null;
      if (Math.abs(dx) > 40 && Math.abs(dx) > Math.abs(dy)) step(dx < 0 ? 1 : -1);
      else if (Math.abs(dx) < 8 && Math.abs(dy) < 8) tap();
    });
    el.addEventListener("pointercancel", function () { start = null; });
    el.addEventListener("dragstart", function (event) { event.preventDefault(); });
  }

  /* -- contacting a seller: quick prompts put their question into the message box (the chips are hidden without
     JavaScript); "Show phone number" opens a small page with the number, or here fetches it as JSON and replaces
     the button in place with a tel: link ---------------------------------------------------------------------- */
  function prompts() {
    document.querySelectorAll(".prompt-chips").forEach(function (list) {
      var form = list.closest("form");
      var box = form && form.querySelector("textarea");
      if (!box) return;
      list.hidden = false;
      list.addEventListener("click", function (event) {
        var chip = event.target.closest("[data-prompt]");
        if (!chip) return;
        var text = chip.getAttribute("data-prompt");
        box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n" + text : text;
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      });
    });
  }

  function say(link, text) {
    var note = link.parentNode.querySelector(".phone-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "phone-note field-error";
      note.setAttribute("role", "status");
      link.parentNode.insertBefore(note, link.nextSibling);
    }
    note.textContent = text;
  }

  function phoneReveal() {
    document.querySelectorAll("[data-phone-reveal]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!window.fetch) return;
        event.preventDefault();
        link.setAttribute("aria-busy", "true");
        fetch(link.href, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) {
            return response.json().then(function (body) { return { ok: response.ok, body: body }; });
          })
          .then(function (result) {
            link.removeAttribute("aria-busy");
            if (!result.ok) {
              say(link, (result.body.error && result.body.error.message) || "The number could not be shown.");
              return;
            }
            var number = document.createElement("a");
            number.className = "button button-secondary phone-number";
            number.href = result.body.tel;
            number.textContent = result.body.phone;
            link.replaceWith(number);
            number.focus();
          })
          .catch(function () {
            link.removeAttribute("aria-busy");
            window.location.href = link.href;
          });
      });
    });
  }

  function ready() {
    menus();
    filterDrawer();
    gallery();
    prompts();
    phoneReveal();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
