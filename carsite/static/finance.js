// The car page's finance calculator, as a progressive enhancement: without JavaScript the form reloads the page
// with ?deposit=…&apr=…&term=…#finance and the server shows the figures; with it, the figures follow what is typed
// (debounced) from GET /finance/quote, which answers with the server's own Decimal figures, so both agree to the cent.
(function () {
  "use strict";
  var form = document.querySelector("form.finance-form[data-quote-url]");
  if (!form) return;
  var result = document.querySelector(".finance-result");
  var names = ["deposit", "apr", "term"];
  var button = form.querySelector(".finance-submit");
  var timer = null;
  var pending = null;
  var EMPTY = "–";
  if (button) button.hidden = true;

  function figure(name) { return result.querySelector('[data-figure="' + name + '"]'); }

  function showErrors(errors) {
    names.forEach(function (name) {
      var input = form.elements[name];
      var message = form.querySelector('[data-error-for="' + name + '"]');
      var text = errors[name] || "";
      if (message) {
        message.textContent = text;
        message.hidden = !text;
      }
      input.closest(".field").classList.toggle("has-error", !!text);
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  }

  function showFigures(data) {
    ["monthly_payment", "financed", "total_interest", "total_payable"].forEach(function (name) {
      figure(name).textContent = data ? data.shown[name] : EMPTY;
    });
    figure("schedule").textContent = data ? data.schedule : "Correct the values marked to see the payments.";
    result.classList.toggle("is-empty", !data);
  }

  function params() {
    var query = new URLSearchParams({ price: form.dataset.price });
    names.forEach(function (name) { query.set(name, form.elements[name].value); });
    return query;
  }

  // The page's address follows the figures, so a reload or a shared link shows the same calculation.
  function remember() {
    var query = new URLSearchParams(location.search);
    names.forEach(function (name) { query.set(name, form.elements[name].value); });
    history.replaceState(null, "", location.pathname + "?" + query.toString() + "#finance");
  }

  function update() {
    if (pending) pending.abort();
    pending = new AbortController();
    result.setAttribute("aria-busy", "true");
    fetch(form.dataset.quoteUrl + "?" + params().toString(), {
      headers: { Accept: "application/json" },
      signal: pending.signal,
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
      })
      .then(function (answer) {
        result.removeAttribute("aria-busy");
        if (answer.ok) {
          showErrors({});
          showFigures(answer.data);
          remember();
        } else if (answer.status === 400 && answer.data.errors) {
          showErrors(answer.data.errors);
          showFigures(null);
        } else {
          throw new Error(answer.status);
        }
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        // Fall back to the page without JavaScript: the button reloads the page with the figures worked out.
        result.removeAttribute("aria-busy");
        if (button) button.hidden = false;
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  }

  names.forEach(function (name) { form.elements[name].addEventListener("input", later); });
  form.addEventListener("submit", function (event) {
    if (button && !button.hidden) return; // the fallback: a real reload
    event.preventDefault();
    clearTimeout(timer);
    update();
  });
})();
