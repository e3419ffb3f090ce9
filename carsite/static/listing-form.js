// The listing form's make -> model selects, as a progressive enhancement: without JavaScript the seller picks a
// make and presses "Show models" (the page comes back with everything typed kept); with it, the model list follows
// the make at once (from /api/v1/makes/<id>/models), and the "other model" field shows only when it is chosen.
(function () {
  "use strict";
  var form = document.querySelector("form[data-models-url]");
  if (!form) return;
  var make = form.querySelector("#make");
  var model = form.querySelector("#model");
  var other = form.querySelector("#model_other");
  var otherField = other && other.closest(".field");
  var button = form.querySelector("button[name=show_models]");
  if (!make || !model) return;
  if (button) button.hidden = true;

  function option(value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }

  function showOther() {
    if (otherField) otherField.hidden = model.value !== "other" && !other.value;
  }

  function years(m) {
    return m.year_to === null ? "from " + m.year_from : m.year_from + "–" + m.year_to;
  }

  make.addEventListener("change", function () {
    model.replaceChildren(option("", make.value ? "Loading models…" : "Choose a make first"));
    model.disabled = true;
    if (!make.value) return;
    var url = form.dataset.modelsUrl.replace("/0/", "/" + encodeURIComponent(make.value) + "/");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (data) {
        var options = [option("", "Choose a model")];
        data.items.forEach(function (m) {
          var o = option(String(m.id), m.name);
          o.dataset.years = years(m);
          options.push(o);
        });
        options.push(option("other", "Other model (not in the list)"));
        model.replaceChildren.apply(model, options);
        model.disabled = false;
        showOther();
      })
      .catch(function () {
        // Fall back to the page without JavaScript: the button reloads the form with this make's models.
        model.disabled = false;
        if (button) button.hidden = false;
      });
  });
  model.addEventListener("change", showOther);
  showOther();
})();
