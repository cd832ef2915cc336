// Sends a form marked data-autosubmit at once (the SAML POST to login.gov.pl and back).
// Without JavaScript the person presses the form's button instead.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
});
