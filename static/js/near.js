/* "Use my location" on the list: the browser's position, rounded to three
   decimal places (about 100 m, as the server rounds it), fills `lat` and
   `lng` in place of a postcode and sends the form. Without this script (or
   without geolocation) the button stays hidden and the postcode field works
   as it is. */
(function () {
  "use strict";

  if (!navigator.geolocation) return;

  function show() {
    document.querySelectorAll("[data-locate]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function field(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  // The shortest spelling, as the server writes it ("51.5", not "51.500"),
  // so that the address needs no redirect.
  function rounded(degrees) {
    return String(Math.round(degrees * 1000) / 1000);
  }

  // A postcode typed after "Use my location" replaces the location.
  document.addEventListener("input", function (event) {
    if (event.target.name !== "near" || !event.target.form) return;
    event.target.form.querySelectorAll('input[type="hidden"][name="lat"], input[type="hidden"][name="lng"]').forEach(function (input) {
      input.remove();
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-locate]");
    if (!button) return;
    var form = button.closest("form");
    var status = form && form.querySelector("[data-locate-status]");
    if (!form) return;
    button.disabled = true;
    if (status) status.textContent = "";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        button.disabled = false;
        var near = form.querySelector('input[name="near"]');
        if (near) near.value = "";
        field(form, "lat", rounded(position.coords.latitude));
        field(form, "lng", rounded(position.coords.longitude));
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
      },
      function () {
        button.disabled = false;
        if (status) status.textContent = button.getAttribute("data-error");
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
    );
  });

  document.addEventListener("filters:replaced", show);
  show();
})();
