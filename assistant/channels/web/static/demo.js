// Demo page only: the call-to-action button opens the widget (no inline scripts: CSP).
document.getElementById("ask-wegwijzer").addEventListener("click", function () {
  if (window.WegwijzerWidget) window.WegwijzerWidget.open();
});
