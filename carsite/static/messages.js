// A conversation page: new messages and read marks arrive by polling (no long-lived connection), every 4 s while
// the tab is visible, backing off (doubling up to 60 s) while it is hidden and after errors. Each poll sends the
// last ETag, so a poll with nothing new is a 304 the server answers with one query. The reply form posts with
// fetch, without a reload. Without JavaScript the page works as it is: a reload shows what is new.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var form = document.getElementById("reply");
  var BASE = 4000, MAX = 60000;
  var delay = BASE, timer = null, busy = false;
  var etag = list && list.dataset.etag ? 'W/"' + list.dataset.etag + '"' : null;
  var after = list ? list.dataset.after : null;
  var polling = !!(list && list.dataset.poll && window.fetch);

  function lastMessage() {
    var items = list.querySelectorAll("li.msg");
    return items.length ? items[items.length - 1] : null;
  }

  function atBottom() {
    var last = lastMessage();
    if (!last) return true;
    return last.getBoundingClientRect().bottom <= window.innerHeight + 40;
  }

  function markRead(upTo, label) {
    var mine = list.querySelectorAll("li[data-mine]");
    var newest = null;
    for (var i = 0; i < mine.length; i++) {
      if (+mine[i].dataset.id <= upTo) newest = mine[i];
    }
    for (var j = 0; j < mine.length; j++) {
      var mark = mine[j].querySelector(".msg-read");
      if (!mark) continue;
      mark.hidden = mine[j] !== newest;
      if (mine[j] === newest && label) mark.textContent = " · " + label;
    }
  }

  function showCount(total) {
    var link = document.querySelector('.counter-link[data-counter="messages"]');
    if (!link) return;
    var badge = link.querySelector(".counter");
    if (!total) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "counter";
      badge.setAttribute("aria-hidden", "true");
      link.appendChild(badge);
    }
    badge.textContent = total > 9 ? "9+" : String(total);
  }

  function apply(data) {
    if (data.reload) {
      window.location.reload();
      return;
    }
    var follow = atBottom();
    var added = false;
    data.messages.forEach(function (message) {
      if (!document.getElementById("message-" + message.id)) {
        list.insertAdjacentHTML("beforeend", message.html);
        added = true;
      }
      after = String(message.id);
    });
    if (added) {
      var none = document.querySelector(".conv-none");
      if (none) none.remove();
    }
    markRead(data.read_up_to || 0, data.read_label);
    showCount(data.unread_total);
    if (added && follow) lastMessage().scrollIntoView({ block: "nearest" });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay);
  }

  function poll() {
    if (busy) return;
    busy = true;
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(list.dataset.poll + "?after=" + encodeURIComponent(after), {
      headers: headers,
      credentials: "same-origin",
      cache: "no-store"
    })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("poll answered " + response.status);
        etag = response.headers.get("ETag") || etag;
        return response.json();
      })
      .then(function (data) {
        if (data) apply(data);
        delay = document.visibilityState === "hidden" ? Math.min(delay * 2, MAX) : BASE;
      })
      .catch(function () {
        delay = Math.min(delay * 2, MAX);
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  function pollNow() {
    delay = BASE;
    window.clearTimeout(timer);
    poll();
  }

  if (polling) {
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") pollNow();
    });
    schedule();
  }

  if (form && window.fetch && window.FormData) {
    var error = form.querySelector(".reply-error");
    var button = form.querySelector('button[type="submit"]');
    var fail = function (message) {
      error.textContent = message;
      error.hidden = false;
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (result) {
          if (!result.ok) {
            fail((result.body.error && result.body.error.message) || "The message was not sent.");
            return;
          }
          form.reset();
          error.hidden = true;
          if (polling) pollNow();
          else window.location.assign(result.body.url);
        })
        .catch(function () {
          fail("The message was not sent: check your connection and try again.");
        })
        .then(function () {
          button.disabled = false;
        });
    });
  }

  // The file input hides behind its "Attach photos or PDFs" label; the chosen files are named beside it.
  var files = form && form.querySelector('.reply-files input[type="file"]');
  var chosen = form && form.querySelector(".reply-chosen");
  if (files && chosen) {
    var showChosen = function () {
      var names = Array.prototype.map.call(files.files || [], function (file) { return file.name; });
      chosen.textContent = names.length > 1 ? names.length + " files chosen" : names.join("");
      chosen.title = names.join("\n");
    };
    form.classList.add("files-enhanced");
    files.addEventListener("change", showChosen);
    form.addEventListener("reset", function () { window.setTimeout(showChosen, 0); });
  }

  if (list && !window.location.hash && form && lastMessage()) form.scrollIntoView({ block: "end" });
})();
