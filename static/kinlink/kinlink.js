// Behaviour the pages need beyond htmx, kept out of the HTML so that the Content-Security-Policy
// can forbid inline script: a button marked data-print prints the page.
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});

// Security keys: django-otp-webauthn's scripts run the ceremony and announce its end. A key just
// registered sends the page on to name-and-recovery-codes; a key checked on the confirmation
// page sends that page's form with the password typed in it.
document.addEventListener("otp_webauthn.register_complete", function () {
  var form = document.querySelector("form[data-key-done]");
  if (form) {
    form.submit();
  }
});
document.addEventListener("otp_webauthn.verification_complete", function () {
  var form = document.querySelector("form[data-key-reauth]");
  if (form) {
    form.submit();
  }
});
