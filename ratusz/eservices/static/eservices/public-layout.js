// The gmina's main menu folds away on a phone: open in the HTML (so it works without
// JavaScript) and closed here when the screen is narrow; "Menu" opens it.
(function () {
  var narrow = window.matchMedia("(max-width: 48rem)");
  function fit() {
    var fold = document.querySelector(".main-nav__fold");
    if (fold) {
      fold.open = !narrow.matches;
    }
  }
  document.addEventListener("DOMContentLoaded", fit);
  narrow.addEventListener("change", fit);
})();
