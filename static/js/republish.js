/* Live quote for the republish form: re-prices as fields change, and shows the excerpt-length
   and translation-language fields only when they apply. The form works fully without this. */
(function () {
  "use strict";

  var form = document.getElementById("republish-form");
  var target = document.getElementById("quote");
  if (!form || !target || !window.fetch || !window.FormData) { return; }
  document.documentElement.classList.add("js");

  var url = form.getAttribute("data-quote-url");
  var DELAY_MS = 350;
  var timer = null;
  var inFlight = null;

  // Fields that do not change the price do not trigger a new quote.
  var IGNORED = { contact_name: 1, contact_email: 1, outlet: 1, website: 1, intended_url: 1,
                  message: 1, accept_terms: 1, website_url: 1, translation_language: 1 };

  function conditionMet(rule) {
    var parts = rule.split("=");
    var field = form.elements[parts[0]];
    if (!field) { return true; }
    if (parts.length === 1) { return field.checked; }
    return field.value === parts[1];
  }

  function toggleConditional() {
    var wrappers = form.querySelectorAll("[data-show-when]");
    for (var i = 0; i < wrappers.length; i++) {
      var show = conditionMet(wrappers[i].getAttribute("data-show-when"));
      // A field with an error stays visible so the message is never hidden.
      wrappers[i].hidden = !show && !wrappers[i].classList.contains("has-error");
    }
  }

  function requestQuote() {
    if (inFlight) { inFlight.abort(); }
    inFlight = window.AbortController ? new AbortController() : null;
    var body = new FormData(form);
    body.set("action", "quote");
    var token = form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
    target.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
      signal: inFlight ? inFlight.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("quote " + response.status); }
      return response.text();
    }).then(function (html) {
      target.innerHTML = html;
      target.setAttribute("aria-busy", "false");
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      target.setAttribute("aria-busy", "false");
    });
  }

  function schedule(event) {
    var name = event && event.target ? event.target.name : "";
    toggleConditional();
    if (IGNORED[name]) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(requestQuote, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  toggleConditional();
}());
