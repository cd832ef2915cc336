/* The BIP editor: turns every <textarea data-wysiwyg> into an editable area with an
 * accessible toolbar (a WAI-ARIA toolbar: one tab stop, arrow keys between buttons,
 * aria-pressed on toggles). The HTML goes back into the textarea when the form is sent;
 * the server sanitises it and refuses images without alternative text. Without
 * JavaScript the textarea takes HTML directly. No inline styles: classes only (CSP).
 *
 * Images: where the page says data-image-mode="upload" (the BIP entry editor), the image
 * button opens a modal <dialog> with a file input and a required alternative text; the
 * file is sent with fetch (multipart, the form's CSRF token in X-CSRFToken) to
 * data-image-upload-url and the <img> the server answers with is inserted. A new entry
 * has no such address yet: the dialog then says to save the draft first. Elsewhere (the
 * units' websites) the button asks for an image address and its alternative text. */
(function () {
  "use strict";

  var DEFAULTS = {
    toolbar: "Formatowanie tekstu",
    bold: "Pogrubienie", italic: "Kursywa", h2: "Nagłówek 2. stopnia",
    h3: "Nagłówek 3. stopnia", ul: "Lista punktowana", ol: "Lista numerowana",
    link: "Wstaw odnośnik", image: "Wstaw obraz", table: "Wstaw tabelę 2×2",
    undo: "Cofnij", source: "Kod HTML",
    linkUrl: "Adres odnośnika (https://…):",
    linkBad: "Ten adres nie jest dozwolony. Podaj adres zaczynający się od https://, http://, mailto: lub tel:.",
    imageUrl: "Adres obrazu (https://…):",
    imageAlt: "Tekst alternatywny: co przedstawia obraz (wymagany):",
    imageAltMissing: "Obraz musi mieć tekst alternatywny dla osób, które go nie widzą. Obraz nie został wstawiony.",
    tableHead: "Nagłówek", tableCell: "Komórka",
    imageMode: "", imageUploadUrl: "",
    imageTitle: "Wstaw obraz",
    imageFile: "Plik obrazu (PNG, JPEG lub WebP)",
    imageFileHint: "Do 10 MB i 40 megapikseli. Lokalizacja i inne metadane są usuwane; większy obraz zostaje zmniejszony do 2000 pikseli.",
    imageAltLabel: "Tekst alternatywny (opis obrazu dla osób niewidomych)",
    imageAltHint: "Wymagany: napisz, co przedstawia obraz.",
    imageInsert: "Wyślij i wstaw", imageCancel: "Anuluj", imageClose: "Zamknij",
    imageSending: "Wysyłanie obrazu…",
    imageNoFile: "Wybierz plik obrazu (PNG, JPEG lub WebP).",
    imageNoAlt: "Podaj tekst alternatywny: co przedstawia obraz, dla osób, które go nie widzą.",
    imageFailed: "Nie udało się wysłać obrazu. Spróbuj ponownie.",
    imageSaveFirst: "Najpierw zapisz szkic: obrazy dodaje się do zapisanego wpisu. Potem naciśnij ten przycisk ponownie."
  };

  var BUTTONS = [
    {key: "bold", text: "B", cls: "wysiwyg__b", toggle: true},
    {key: "italic", text: "I", cls: "wysiwyg__i", toggle: true},
    {key: "h2", text: "H2", toggle: true},
    {key: "h3", text: "H3", toggle: true},
    {key: "ul", text: "• —", toggle: true},
    {key: "ol", text: "1. —", toggle: true},
    {key: "link", icon: "link"},
    {key: "image", icon: "image"},
    {key: "table", text: "▦"},
    {key: "undo", text: "↶"},
    {key: "source", text: "</>", toggle: true}
  ];

  // Drawn, not emoji: many office computers have no colour-emoji font and would show
  // an empty box. Presentation attributes only (no style attribute: CSP).
  var ICONS = {
    link: [["path", {d: "M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7"}],
           ["path", {d: "M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"}]],
    image: [["rect", {x: "3", y: "3", width: "18", height: "18", rx: "2"}],
            ["circle", {cx: "8.5", cy: "8.5", r: "1.5"}],
            ["polyline", {points: "21 15 16 10 5 21"}]]
  };
  var SVG = "http://www.w3.org/2000/svg";
  // The buttons that run one editing command and whose pressed state the browser knows.
  var COMMANDS = {bold: "bold", italic: "italic", ul: "insertUnorderedList",
                  ol: "insertOrderedList"};

  function icon(name) {
    var svg = document.createElementNS(SVG, "svg");
    var attributes = {viewBox: "0 0 24 24", width: "1.25em", height: "1.25em", fill: "none",
                      stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round",
                      "stroke-linejoin": "round", focusable: "false", "aria-hidden": "true"};
    Object.keys(attributes).forEach(function (key) { svg.setAttribute(key, attributes[key]); });
    ICONS[name].forEach(function (part) {
      var shape = document.createElementNS(SVG, part[0]);
      Object.keys(part[1]).forEach(function (key) { shape.setAttribute(key, part[1][key]); });
      svg.appendChild(shape);
    });
    return svg;
  }

  function labels() {
    var node = document.getElementById("wysiwyg-labels");
    var result = {};
    Object.keys(DEFAULTS).forEach(function (key) {
      result[key] = (node && node.dataset[key]) || DEFAULTS[key];
    });
    return result;
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function safeUrl(url) {
    url = (url || "").trim();
    if (!url) { return ""; }
    if (/^(https?:|mailto:|tel:|\/|#)/i.test(url)) { return url; }
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) { return null; }
    return "https://" + url;
  }

  function element(tag, attributes, content) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "className") { node.className = attributes[key]; }
      else { node.setAttribute(key, attributes[key]); }
    });
    if (content) { node.textContent = content; }
    return node;
  }

  function blockOf(node, root) {
    while (node && node !== root) {
      if (node.nodeType === 1 && /^(H2|H3|P|LI|TD|TH|BLOCKQUOTE)$/.test(node.nodeName)) {
        return node;
      }
      node = node.parentNode;
    }
    return null;
  }

  function setup(textarea, text) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var wrapper = element("div", {className: "wysiwyg"});
    var toolbar = element("div", {className: "wysiwyg__toolbar", role: "toolbar",
                                  "aria-label": text.toolbar,
                                  "aria-controls": textarea.id + "_editor"});
    var area = element("div", {className: "wysiwyg__area", id: textarea.id + "_editor",
                               contenteditable: "true", role: "textbox",
                               "aria-multiline": "true"});
    if (label) {
      if (!label.id) { label.id = textarea.id + "_label"; }
      area.setAttribute("aria-labelledby", label.id);
    }
    var described = textarea.getAttribute("aria-describedby");
    if (described) { area.setAttribute("aria-describedby", described); }
    if (textarea.getAttribute("aria-invalid")) { area.setAttribute("aria-invalid", "true"); }
    area.innerHTML = textarea.value;
    var buttons = {};
    var sourceMode = false;

    BUTTONS.forEach(function (spec, index) {
      var button = element("button", {type: "button",
                                      className: "wysiwyg__button" + (spec.cls ? " " + spec.cls : ""),
                                      "aria-label": text[spec.key], title: text[spec.key]});
      button.tabIndex = index === 0 ? 0 : -1;
      button.dataset.command = spec.key;
      button.appendChild(spec.icon ? icon(spec.icon) : element("span", {"aria-hidden": "true"}, spec.text));
      if (spec.toggle) { button.setAttribute("aria-pressed", "false"); }
      // Keep the selection in the area when the button is pressed with the mouse.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { run(spec.key); });
      buttons[spec.key] = button;
      toolbar.appendChild(button);
    });

    toolbar.addEventListener("keydown", function (event) {
      var all = Array.prototype.slice.call(toolbar.querySelectorAll("button:not([disabled])"));
      var at = all.indexOf(document.activeElement);
      var next = null;
      if (event.key === "ArrowRight") { next = all[(at + 1) % all.length]; }
      else if (event.key === "ArrowLeft") { next = all[(at - 1 + all.length) % all.length]; }
      else if (event.key === "Home") { next = all[0]; }
      else if (event.key === "End") { next = all[all.length - 1]; }
      if (next) {
        event.preventDefault();
        all.forEach(function (b) { b.tabIndex = -1; });
        next.tabIndex = 0;
        next.focus();
      }
    });

    function exec(command, value) {
      area.focus();
      document.execCommand(command, false, value === undefined ? null : value);
      refresh();
    }

    // An address asked for; "" when none is given, null when it is refused (said so).
    function askUrl(question) {
      var url = safeUrl(window.prompt(question, "https://"));
      if (url === null) { window.alert(text.linkBad); return null; }
      return url === "https://" ? "" : url;
    }

    function run(key) {
      if (key === "source") { toggleSource(); return; }
      if (sourceMode) { return; }
      if (COMMANDS[key]) { exec(COMMANDS[key]); return; }
      switch (key) {
        case "h2": case "h3": {
          var block = blockOf(window.getSelection().anchorNode, area);
          exec("formatBlock", block && block.nodeName === key.toUpperCase() ? "<p>" : "<" + key + ">");
          break;
        }
        case "undo": exec("undo"); break;
        case "link": {
          var url = askUrl(text.linkUrl);
          if (url) { exec("createLink", url); }
          break;
        }
        case "image": {
          if (text.imageMode === "upload") { openImageDialog(); break; }
          var src = askUrl(text.imageUrl);
          if (!src) { return; }
          var alt = window.prompt(text.imageAlt, "");
          if (alt === null) { return; }
          if (!alt.trim()) { window.alert(text.imageAltMissing); return; }
          exec("insertHTML", '<img src="' + escapeHtml(src) + '" alt="' + escapeHtml(alt.trim()) + '">');
          break;
        }
        case "table":
          exec("insertHTML", "<table><thead><tr><th scope=\"col\">" + text.tableHead +
               " 1</th><th scope=\"col\">" + text.tableHead + " 2</th></tr></thead><tbody><tr><td>" +
               text.tableCell + "</td><td>" + text.tableCell + "</td></tr></tbody></table><p><br></p>");
          break;
      }
    }

    // --- the image dialog (upload mode) ---------------------------------------------
    var savedRange = null;
    var dialog = null;

    function saveSelection() {
      var selection = window.getSelection();
      savedRange = null;
      if (selection.rangeCount && area.contains(selection.getRangeAt(0).commonAncestorContainer)) {
        savedRange = selection.getRangeAt(0).cloneRange();
      }
    }

    function restoreSelection() {
      area.focus();
      var selection = window.getSelection();
      var range = savedRange;
      if (!range) {
        range = document.createRange();
        range.selectNodeContents(area);
        range.collapse(false);
      }
      selection.removeAllRanges();
      selection.addRange(range);
    }

    function csrfToken() {
      var field = textarea.form && textarea.form.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    function buildDialog() {
      var id = textarea.id + "_image";
      var node = element("dialog", {className: "wysiwyg__dialog", "aria-labelledby": id + "_title"});
      node.appendChild(element("h2", {id: id + "_title", className: "wysiwyg__dialog-title"},
                               text.imageTitle));
      var actions = element("div", {className: "wysiwyg__dialog-actions"});
      var parts = {node: node};

      function action(label, className, onClick) {
        var button = element("button", {type: "button", className: className}, label);
        button.addEventListener("click", onClick);
        actions.appendChild(button);
        return button;
      }

      function closeDialog() { node.close(); }

      // A labelled input with its hint: <div class="field"><label><p class="hint"><input>.
      function field(name, labelText, hintText, attributes) {
        var inputId = id + "_" + name;
        var wrapper = element("div", {className: "field"});
        wrapper.appendChild(element("label", {"for": inputId}, labelText));
        wrapper.appendChild(element("p", {id: inputId + "_hint", className: "hint"}, hintText));
        attributes.id = inputId;
        attributes["aria-describedby"] = inputId + "_hint";
        var input = element("input", attributes);
        wrapper.appendChild(input);
        node.appendChild(wrapper);
        return input;
      }

      if (!text.imageUploadUrl) {
        node.setAttribute("aria-describedby", id + "_info");
        node.appendChild(element("p", {id: id + "_info"}, text.imageSaveFirst));
        parts.close = action(text.imageClose, "button", closeDialog);
        node.appendChild(actions);
        return parts;
      }
      parts.file = field("file", text.imageFile, text.imageFileHint,
                         {type: "file", name: "image", accept: "image/png,image/jpeg,image/webp"});
      parts.alt = field("alt", text.imageAltLabel, text.imageAltHint,
                        {type: "text", maxlength: "300", "aria-required": "true",
                         autocomplete: "off"});
      parts.error = element("p", {id: id + "_error", className: "field-error wysiwyg__dialog-error",
                                  role: "alert"});
      node.appendChild(parts.error);
      parts.status = element("p", {className: "hint", role: "status"});
      node.appendChild(parts.status);
      parts.insert = action(text.imageInsert, "button", upload);
      action(text.imageCancel, "button button--secondary", closeDialog);
      node.appendChild(actions);
      parts.alt.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); upload(); }
      });
      return parts;
    }

    function openImageDialog() {
      saveSelection();
      if (!dialog) {
        dialog = buildDialog();
        // After the entry's form (not in it: no nested form fields), inside the page's main.
        var form = textarea.form;
        if (form && form.parentNode) { form.parentNode.insertBefore(dialog.node, form.nextSibling); }
        else { document.body.appendChild(dialog.node); }
        dialog.node.addEventListener("close", function () {
          if (dialog.node.returnValue !== "inserted") { buttons.image.focus(); }
        });
      }
      dialog.node.returnValue = "";
      if (dialog.file) {
        dialog.file.value = "";
        dialog.alt.value = "";
        clearError();
        busy(false);
      }
      dialog.node.showModal();
      (dialog.file || dialog.close).focus();
    }

    function clearError() {
      dialog.error.textContent = "";
      [dialog.file, dialog.alt].forEach(function (input) {
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", input.id + "_hint");
      });
    }

    function showError(input, message) {
      dialog.error.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", input.id + "_hint " + dialog.error.id);
      input.focus();
    }

    function busy(sending) {
      dialog.insert.disabled = sending;
      dialog.status.textContent = sending ? text.imageSending : "";
    }

    function upload() {
      if (dialog.insert.disabled) { return; }
      clearError();
      var file = dialog.file.files && dialog.file.files[0];
      var alt = dialog.alt.value.trim();
      if (!file) { showError(dialog.file, text.imageNoFile); return; }
      if (!alt) { showError(dialog.alt, text.imageNoAlt); return; }
      var body = new FormData();
      body.append("image", file);
      busy(true);
      fetch(text.imageUploadUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {ok: response.ok, data: data || {}};
        });
      }).then(function (result) {
        busy(false);
        if (!result.ok || !result.data.url) {
          showError(dialog.file, result.data.error || text.imageFailed);
          return;
        }
        dialog.node.close("inserted");
        insertImage(result.data, alt);
      }).catch(function () {
        busy(false);
        showError(dialog.file, text.imageFailed);
      });
    }

    function insertImage(data, alt) {
      var size = "";
      if (data.width && data.height) {
        size = ' width="' + Number(data.width) + '" height="' + Number(data.height) + '"';
      }
      restoreSelection();
      exec("insertHTML", '<img src="' + escapeHtml(data.url) + '" alt="' + escapeHtml(alt) + '"' +
           size + ">");
      textarea.value = area.innerHTML;
    }

    function toggleSource() {
      sourceMode = !sourceMode;
      if (sourceMode) {
        textarea.value = area.innerHTML;
        area.hidden = true;
        textarea.hidden = false;
        textarea.focus();
      } else {
        area.innerHTML = textarea.value;
        textarea.hidden = true;
        area.hidden = false;
        area.focus();
      }
      buttons.source.setAttribute("aria-pressed", sourceMode ? "true" : "false");
      Object.keys(buttons).forEach(function (key) {
        if (key !== "source") { buttons[key].disabled = sourceMode; }
      });
    }

    function refresh() {
      if (sourceMode) { return; }
      var selection = window.getSelection();
      if (!selection.anchorNode || !area.contains(selection.anchorNode)) { return; }
      var block = blockOf(selection.anchorNode, area);
      var state = {h2: !!block && block.nodeName === "H2", h3: !!block && block.nodeName === "H3"};
      Object.keys(COMMANDS).forEach(function (key) {
        state[key] = document.queryCommandState(COMMANDS[key]);
      });
      Object.keys(state).forEach(function (key) {
        buttons[key].setAttribute("aria-pressed", state[key] ? "true" : "false");
      });
    }

    document.addEventListener("selectionchange", refresh);
    area.addEventListener("keyup", refresh);
    area.addEventListener("input", function () { textarea.value = area.innerHTML; });

    textarea.hidden = true;
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(area);
    wrapper.appendChild(textarea);
    if (label) {
      label.addEventListener("click", function () {
        (sourceMode ? textarea : area).focus();
      });
    }
    if (textarea.form) {
      textarea.form.addEventListener("submit", function () {
        if (!sourceMode) { textarea.value = area.innerHTML; }
      });
    }
  }

  function init() {
    var text = labels();
    document.execCommand && document.execCommand("defaultParagraphSeparator", false, "p");
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-wysiwyg]"),
      function (textarea) { setup(textarea, text); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
