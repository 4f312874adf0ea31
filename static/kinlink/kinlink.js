// Behaviour the pages need beyond htmx, kept out of the HTML so that the Content-Security-Policy
// can forbid inline script: a button marked data-print prints the page.
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});
