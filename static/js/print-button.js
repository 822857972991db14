/* Buttons marked data-print open the browser's print dialog (report, minutes, invitation,
 * stairwell notice). A file, not an onclick attribute: the pages' Content-Security-Policy runs
 * no inline handlers. */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
