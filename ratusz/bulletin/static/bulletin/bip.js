// The BIP's subject menu folds away on a phone, so an entry's text is not below two screens
// of menu: open in the HTML (so it works without JavaScript) and closed here when the
// screen is narrow; "Menu BIP" opens it.
(function () {
  var narrow = window.matchMedia("(max-width: 48rem)");
  function fit() {
    var fold = document.querySelector(".bip-menu-fold");
    if (fold) {
      fold.open = !narrow.matches;
    }
  }
  document.addEventListener("DOMContentLoaded", fit);
  narrow.addEventListener("change", fit);
})();
