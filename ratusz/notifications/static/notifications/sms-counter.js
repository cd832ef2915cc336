/* The live length of an SMS template: encoding (GSM-7 or UCS-2), length and parts, computed
 * exactly as ratusz/notifications/sms.py (measure, to_gsm7) and templates.sms_text do:
 * whitespace collapsed, Polish letters transliterated when the checkbox is on, the GSM 03.38
 * basic table counting one septet and the extension table two; 160/153 septets per part
 * for GSM-7, 70/67 UTF-16 units for UCS-2.
 *
 * Markup: <textarea data-sms-counter="ID of the output">, optionally a checkbox with
 * data-sms-transliterate in the same form, and the output element (aria-live) carrying
 * data-label-chars / data-label-parts ("one|few|many" Polish plural forms with {n}) and
 * data-label-ucs2 (with {chars}). Without JavaScript the server's figures stay. */
(function () {
  "use strict";

  // GSM 03.38: the basic table (one septet each) and the extension table (escape + one).
  var BASIC = "\n\r\u001b !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_" +
    "abcdefghijklmnopqrstuvwxyz¡£¤¥§¿ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùüΓΔΘΛΞΠΣΦΨΩ";
  var EXTENSION = "\f[\\]^{|}~€";

  // sms.POLISH_TO_GSM7, character for character.
  var POLISH_TO_GSM7 = {
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z",
    "ż": "z", "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S",
    "Ź": "Z", "Ż": "Z", "„": "\"", "”": "\"", "“": "\"", "«": "\"", "»": "\"", "‚": "'",
    "‘": "'", "’": "'", "–": "-", "—": "-", "‑": "-", "…": "...", "\u00a0": " ",
    "\u202f": " ", "\u2009": " ", "°": "st.", "•": "-", "×": "x"
  };

  // What Python's str.split() splits on (str.isspace).
  var WHITESPACE = /[\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

  function septets(ch) {
    if (BASIC.indexOf(ch) !== -1) { return 1; }
    if (EXTENSION.indexOf(ch) !== -1) { return 2; }
    return 0;
  }

  function smsText(text, transliterate) {
    var words = text.split(WHITESPACE).filter(function (word) { return word !== ""; });
    text = words.join(" ");
    if (!transliterate) { return text; }
    var out = "";
    Array.from(text).forEach(function (ch) {
      var mapped = Object.prototype.hasOwnProperty.call(POLISH_TO_GSM7, ch) ?
        POLISH_TO_GSM7[ch] : ch;
      Array.from(mapped).forEach(function (c) { out += septets(c) ? c : "?"; });
    });
    return out;
  }

  function measure(text) {
    var units = 0;
    var offending = [];
    Array.from(text).forEach(function (ch) {
      var n = septets(ch);
      units += n;
      if (!n && offending.indexOf(ch) === -1) { offending.push(ch); }
    });
    var encoding = offending.length ? "UCS-2" : "GSM-7";
    if (offending.length) { units = text.length; }  // UTF-16 code units
    var single = offending.length ? 70 : 160;
    var multi = offending.length ? 67 : 153;
    var parts = units <= single ? (units ? 1 : 0) : Math.ceil(units / multi);
    return { encoding: encoding, units: units, parts: parts, notGsm7: offending };
  }

  function plural(forms, n) {
    var list = (forms || "{n}|{n}|{n}").split("|");
    var index;
    if (n === 1) {
      index = 0;
    } else if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20)) {
      index = 1;
    } else {
      index = 2;
    }
    return (list[index] || list[list.length - 1]).replace("{n}", String(n));
  }

  function describe(length, output) {
    var encoding = length.encoding === "GSM-7" ? "GSM-7" :
      (output.getAttribute("data-label-ucs2") || "UCS-2 ({chars})")
        .replace("{chars}", length.notGsm7.join(", "));
    return plural(output.getAttribute("data-label-chars"), length.units) + " · " +
      encoding + " · " + plural(output.getAttribute("data-label-parts"), length.parts);
  }

  function attach(textarea) {
    var output = document.getElementById(textarea.getAttribute("data-sms-counter"));
    if (!output) { return; }
    var scope = textarea.form || document;
    var box = scope.querySelector("[data-sms-transliterate]");
    var timer = null;
    function update() {
      timer = null;
      var text = smsText(textarea.value, box ? box.checked : false);
      var summary = describe(measure(text), output);
      if (output.textContent !== summary) { output.textContent = summary; }
    }
    function later() {
      // Screen readers hear the figure once typing pauses, not on every key.
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(update, 400);
    }
    textarea.addEventListener("input", later);
    if (box) { box.addEventListener("change", update); }
    update();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-sms-counter]"),
      attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
