/*!
 * Wegwijzer ICT chat widget — embed with one tag:
 *   <script src="https://HOST/widget.js" data-audience="employer" data-lang="nl" defer></script>
 *
 * Optional attributes: data-region="friesland" (province to prefer), data-api="https://HOST"
 * (API base; default: where this script came from), data-open="true" (start opened).
 *
 * Vanilla JS, no build step, no third-party requests, no cookies: the conversation id and
 * transcript live in sessionStorage. Everything renders inside an open Shadow DOM, so the
 * host page's CSS cannot reach in and the widget's CSS cannot leak out. All text from the
 * service is inserted as text (textContent), never as HTML.
 *
 * While an answer streams its text is shown as it arrives; the `answer` event then brings
 * the answer as data, which replaces it: the lead (what answers the question) first, the
 * points, list items as a list, each statement with buttons for its citations, the notices
 * (what to check) under it, then the sources.
 *
 * Every answer is labelled as automated (the greeting says how answers are made and how to
 * reach a person). A way onward: a refusal lists the answer's contacts (the bodies behind the
 * documents, the programme); under an answer they sit behind "Vraag het een medewerker", and
 * a thumbs down opens them ("Jammer. Hier kun je verder:"). A clarifying question (mode
 * "clarify") shows its choices as buttons; the one picked is asked next, in the same conversation.
 */
(function () {
  "use strict";

  // Filled in by the service when it serves /widget.js (UI texts from prompts/widget.yaml).
  var CONFIG = "__WEGWIJZER_CONFIG__";
  if (typeof CONFIG === "string" || window.__wegwijzerWidgetLoaded) return;
  window.__wegwijzerWidgetLoaded = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var data = (script && script.dataset) || {};
  var API = (data.api || (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/$/, "");
  var AUDIENCES = ["employer", "career_switcher", "staff"];
  var audience = AUDIENCES.indexOf(data.audience) >= 0 ? data.audience : "employer";
  var pageLang = (document.documentElement.lang || "").toLowerCase();
  var lang = data.lang === "en" || data.lang === "nl" ? data.lang : pageLang.indexOf("en") === 0 ? "en" : "nl";
  var region = data.region || null;
  var TEXTS = CONFIG.texts[lang];
  var T = TEXTS.widget;
  var MAX_CHARS = CONFIG.maxChars || 1000;
  var PROGRAMME = CONFIG.contact && CONFIG.contact.name ? [CONFIG.contact] : [];
  var KEY = "wegwijzer:" + API + ":";
  var MAX_TRANSCRIPT = 30;
  var uid = 0;

  // --- small helpers ------------------------------------------------------------------
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) continue;
        if (k === "text") node.textContent = attrs[k];
        else if (k === "class") node.className = attrs[k];
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
        else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
      }
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(paths, size) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", size || 20);
    svg.setAttribute("height", size || 20);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var p = document.createElementNS(SVG_NS, "path");
      p.setAttribute("d", d);
      svg.appendChild(p);
    });
    return svg;
  }
  var ICONS = {
    chat: ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"],
    close: ["M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"],
    plus: ["M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z"],
    send: ["M3 20.5 22 12 3 3.5v6.6L16 12 3 13.9z"],
    up: ["M2 10h4v11H2zM8 21h9.3a2 2 0 0 0 2-1.6l1.6-7A2 2 0 0 0 19 10h-5.3l.8-4a1.8 1.8 0 0 0-3.3-1.3L8 10z"],
    down: ["M22 14h-4V3h4zM16 3H6.7a2 2 0 0 0-2 1.6l-1.6 7A2 2 0 0 0 5 14h5.3l-.8 4a1.8 1.8 0 0 0 3.3 1.3L16 14z"],
    external: ["M14 3h7v7h-2V6.4l-9.3 9.3-1.4-1.4L17.6 5H14zM5 5h6v2H5v12h12v-6h2v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z"]
  };
  var store = {
    get: function (k) { try { return JSON.parse(sessionStorage.getItem(KEY + k)); } catch (e) { return null; } },
    set: function (k, v) { try { sessionStorage.setItem(KEY + k, JSON.stringify(v)); } catch (e) { /* storage blocked */ } },
    del: function (k) { try { sessionStorage.removeItem(KEY + k); } catch (e) { /* storage blocked */ } }
  };
  function safeUrl(url) {
    try {
      var u = new URL(url);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  // --- styles (inside the shadow root only) -------------------------------------------
  var CSS = [
    // !important inside the shadow tree beats the host page's !important rules for the host element.
    ":host{all:initial!important;display:block!important;position:fixed!important;right:16px!important;bottom:16px!important;",
    "z-index:2147483000!important;visibility:visible!important;opacity:1!important;transform:none!important}",
    ".ww{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;font-size:16px;line-height:1.5;",
    "color:#1a1d21;text-align:left;letter-spacing:normal;text-transform:none;font-style:normal;font-weight:400}",
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    "button,textarea,a{font:inherit;color:inherit}",
    "button{cursor:pointer}",
    ":focus-visible{outline:3px solid #b3400b;outline-offset:2px}",
    ".launcher{display:flex;align-items:center;gap:8px;min-height:48px;padding:10px 18px;border:0;border-radius:999px;",
    "background:#0a4d8c;color:#fff;font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher svg{fill:currentColor}",
    ".launcher:hover{background:#083d70}",
    ".panel{position:fixed;right:16px;bottom:16px;width:400px;max-width:calc(100vw - 32px);height:640px;max-height:calc(100vh - 32px);",
    "display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;overflow:clip;border:1px solid #c9d1db}",
    ".head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;padding:10px 10px 10px 16px;background:#0a4d8c;color:#fff}",
    ".head h2{flex:1;min-width:0;margin:0;font-size:1.1rem;line-height:1.3}",
    ".head p{flex-basis:100%;margin:0;font-size:.8rem;color:#e8f0f8}",
    ".iconbtn{display:inline-flex;align-items:center;justify-content:center;gap:4px;min-width:40px;min-height:40px;padding:6px 8px;border:1px solid transparent;",
    "border-radius:8px;background:transparent;color:#fff;font-size:.85rem}",
    ".iconbtn svg{fill:currentColor}",
    ".iconbtn:hover{background:#083d70;border-color:#9fbfdf}",
    ".head :focus-visible{outline-color:#ffd27a}",
    ".log{position:relative;flex:1;min-height:0;overflow-y:auto;padding:14px 14px 6px;background:#fff;overscroll-behavior:contain}",
    ".msg{margin:0 0 12px;max-width:92%;word-wrap:break-word;overflow-wrap:anywhere}",
    ".msg .who{display:block;font-size:.75rem;font-weight:600;color:#4b5563;margin-bottom:2px}",
    ".msg .who .ai{font-weight:400}",
    ".bubble{padding:10px 12px;border-radius:12px}",
    ".bubble p{margin:0 0 8px}.bubble p:last-child{margin-bottom:0}",
    ".user{margin-left:auto}.user .who{text-align:right}",
    ".user .bubble{background:#0a4d8c;color:#fff;border-bottom-right-radius:4px;white-space:pre-wrap}",
    ".bot .bubble{background:#f2f4f7;color:#1a1d21;border-bottom-left-radius:4px}",
    ".bot.refusal .bubble{background:#fff8e6;border:1px solid #e3c46b}",
    ".thinking{color:#4b5563;font-style:italic}",
    ".cite{display:inline-block;min-width:1.6em;padding:0 4px;margin:0 1px;border:1px solid #8fb0d3;border-radius:6px;background:#dfe8f3;",
    "color:#0a4d8c;font-size:.8rem;font-weight:700;line-height:1.4;vertical-align:baseline}",
    ".cite:hover{background:#c8d9ec}",
    ".note{font-size:.85rem;color:#4b5563}",
    ".bubble p.lead{font-weight:600}",
    ".bubble ul{margin:-4px 0 8px;padding-left:1.25em}.bubble li{margin:0 0 2px}",
    ".notice{font-size:.85rem;color:#4b5563;font-style:italic}",
    ".sources{margin-top:8px}",
    ".sources h3{margin:0 0 4px;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#4b5563}",
    ".sources ol{list-style:none;margin:0;padding:0}",
    ".sources li{margin:0 0 6px;border:1px solid #c9d1db;border-radius:8px;background:#fff}",
    ".src-toggle{display:flex;gap:8px;width:100%;padding:8px 10px;border:0;border-radius:8px;background:transparent;text-align:left;font-size:.875rem;color:#1a1d21}",
    ".src-toggle:hover{background:#eef3f9}",
    ".src-n{flex:none;font-weight:700;color:#0a4d8c}",
    ".src-title{flex:1;min-width:0}",
    ".src-loc{display:block;color:#4b5563;font-size:.8rem}",
    ".chev{flex:none;align-self:flex-start;display:inline-block;width:1em;text-align:center;line-height:1.4;transition:transform .15s}",
    ".src-toggle[aria-expanded=true] .chev{transform:rotate(90deg)}",
    ".src-body{padding:0 10px 10px;font-size:.875rem}",
    ".src-body blockquote{margin:0 0 8px;padding:6px 10px;border-left:3px solid #0a4d8c;background:#f7f9fb;white-space:pre-wrap}",
    ".src-body a{color:#0a4d8c;font-weight:600;text-decoration:underline;display:inline-flex;align-items:center;gap:4px}",
    ".src-body a svg{fill:currentColor}",
    ".feedback{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:8px;font-size:.85rem;color:#4b5563}",
    ".thumb{display:inline-flex;align-items:center;justify-content:center;min-width:40px;min-height:40px;border:1px solid #6b7280;border-radius:8px;background:#fff;color:#374151}",
    ".thumb svg{fill:currentColor}",
    ".thumb:hover{background:#eef3f9}",
    ".thumb[aria-pressed=true]{background:#0a4d8c;border-color:#0a4d8c;color:#fff}",
    ".thumb:disabled{cursor:default}",
    ".contact-btn{min-height:40px;padding:6px 10px;border:1px solid #0a4d8c;border-radius:8px;background:#fff;color:#0a4d8c;font-size:.85rem;font-weight:600}",
    ".contact-btn:hover{background:#eef3f9}",
    ".contact-btn[aria-expanded=true]{background:#dfe8f3}",
    ".comment{display:flex;flex-direction:column;gap:6px;width:100%}",
    ".comment textarea{width:100%;min-height:56px;padding:6px 8px;border:1px solid #6b7280;border-radius:8px;resize:vertical;font-size:.875rem}",
    ".row{display:flex;gap:6px;flex-wrap:wrap}",
    ".btn{min-height:40px;padding:6px 12px;border-radius:8px;border:1px solid #0a4d8c;background:#0a4d8c;color:#fff;font-size:.875rem;font-weight:600}",
    ".btn.secondary{background:#fff;color:#0a4d8c}",
    ".btn:hover{background:#083d70;color:#fff}",
    ".error{margin-top:6px;padding:8px 10px;border-radius:8px;background:#fdf0f0;border:1px solid #e4a5a5;color:#8f1d1d;font-size:.875rem}",
    ".error .btn{margin-top:6px;background:#8f1d1d;border-color:#8f1d1d}",
    ".disclosure{font-size:.875rem}",
    ".bubble a,.onward a{color:#0a4d8c;font-weight:600;text-decoration:underline}",
    ".onward{width:100%;margin-top:8px;padding:8px 10px;border:1px solid #c9d1db;border-radius:8px;background:#fff;font-size:.875rem;color:#1a1d21}",
    ".onward p{margin:0 0 4px;font-weight:600}",
    ".onward ul{margin:0;padding-left:1.25em}.onward li{margin:0 0 2px}",
    ".choices{display:flex;flex-direction:column;gap:6px;align-items:flex-start;margin-top:8px}",
    ".choices .chip[aria-pressed=true]{background:#0a4d8c;color:#fff}",
    ".chip:disabled{cursor:default}",
    ".suggest{margin:4px 0 12px}",
    ".suggest h3{margin:0 0 6px;font-size:.8rem;color:#4b5563;font-weight:600}",
    ".suggest ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px;align-items:flex-start}",
    ".chip{padding:8px 12px;min-height:40px;border:1px solid #0a4d8c;border-radius:18px;background:#fff;color:#0a4d8c;text-align:left;font-size:.875rem}",
    ".chip:hover{background:#eef3f9}",
    ".composer{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #c9d1db;background:#fff}",
    ".composer textarea{flex:1;min-height:44px;max-height:140px;padding:10px 12px;border:1px solid #6b7280;border-radius:10px;resize:none;font-size:1rem;line-height:1.4;background:#fff;color:#1a1d21}",
    ".composer textarea::placeholder{color:#5f6b7a;opacity:1}",
    ".send{flex:none;display:inline-flex;align-items:center;justify-content:center;width:44px;height:44px;border:0;border-radius:10px;background:#0a4d8c;color:#fff}",
    ".send svg{fill:currentColor}",
    ".send:hover{background:#083d70}",
    ".send:disabled{background:#6b7280;cursor:not-allowed}",
    ".counter{font-size:.75rem;color:#4b5563;padding:0 14px 4px;text-align:right;background:#fff}",
    ".foot{margin:0;padding:6px 14px 10px;font-size:.72rem;color:#4b5563;background:#fff}",
    "@media (max-width:480px){:host{right:12px!important;bottom:12px!important}",
    ".panel{right:0;bottom:0;left:0;top:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0;border:0}",
    ".msg{max-width:100%}.head p{display:none}.iconbtn .lbl{display:none}}",
    "@media (prefers-reduced-motion:reduce){*{transition:none!important;scroll-behavior:auto!important}}",
    "@media (forced-colors:active){.launcher,.send,.btn,.thumb,.chip,.cite{border:1px solid ButtonText}}"
  ].join("\n");

  // --- the DOM -------------------------------------------------------------------------
  // A custom element name: host-page rules for div, section, … do not match it.
  var host = el("wegwijzer-widget", { id: "wegwijzer-widget" });
  var root = host.attachShadow({ mode: "open" });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.appendChild(el("style", { text: CSS }));
  }

  var panelId = "ww-panel";
  var launcher = el("button", {
    class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": panelId, onclick: function () { openPanel(true); }
  }, [icon(ICONS.chat, 22), el("span", { text: T.launcher })]);

  var liveRegion = el("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
  var log = el("div", { class: "log", tabindex: "0", role: "region", "aria-label": T.title });
  var textarea = el("textarea", {
    id: "ww-input", rows: "1", maxlength: String(MAX_CHARS), placeholder: T.placeholder, autocomplete: "off",
    "aria-describedby": "ww-counter"
  });
  var counter = el("div", { id: "ww-counter", class: "counter", hidden: true });
  var sendBtn = el("button", { class: "send", type: "submit", "aria-label": T.send }, [icon(ICONS.send, 22)]);
  var form = el("form", { class: "composer", novalidate: true }, [
    el("label", { class: "sr", for: "ww-input", text: T.input_label }), textarea, sendBtn
  ]);
  var newBtn = el("button", { class: "iconbtn", type: "button", onclick: newConversation },
    [icon(ICONS.plus, 18), el("span", { class: "lbl", text: T.new_conversation })]);
  newBtn.setAttribute("aria-label", T.new_conversation);
  var closeBtn = el("button", { class: "iconbtn", type: "button", "aria-label": T.close, onclick: function () { closePanel(true); } },
    [icon(ICONS.close, 20)]);
  var panel = el("section", {
    id: panelId, class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "ww-title", lang: lang, hidden: true
  }, [
    el("header", { class: "head" }, [
      el("h2", { id: "ww-title", text: T.title }), newBtn, closeBtn, el("p", { text: T.subtitle })
    ]),
    log, counter, form, el("p", { class: "foot", text: T.disclaimer }), liveRegion
  ]);
  root.appendChild(el("div", { class: "ww" }, [launcher, panel]));

  // --- state ---------------------------------------------------------------------------
  var conversationId = store.get("conversation");
  var transcript = store.get("transcript") || [];
  var busy = false;
  var controller = null;
  var lastQuestion = null;

  function saveTranscript() {
    transcript = transcript.slice(-MAX_TRANSCRIPT);
    store.set("transcript", transcript);
  }
  function announce(message) {
    liveRegion.textContent = "";
    setTimeout(function () { liveRegion.textContent = message; }, 50);
  }
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  // A finished answer: show its end (sources, feedback) unless that would scroll its first
  // line out of view; then its first line stays at the top.
  function revealAnswer(node) {
    var top = node.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop;
    log.scrollTop = Math.min(log.scrollHeight - log.clientHeight, Math.max(0, top - 8));
  }
  // Scroll only the message list (scrollIntoView could also shift the panel or the page).
  function revealInLog(node) {
    var top = node.getBoundingClientRect().top - log.getBoundingClientRect().top;
    var bottom = top + node.getBoundingClientRect().height;
    if (top < 0) log.scrollTop += top - 8;
    else if (bottom > log.clientHeight) log.scrollTop += Math.min(top - 8, bottom - log.clientHeight + 8);
  }

  // --- rendering -----------------------------------------------------------------------
  function renderGreeting() {
    var human = PROGRAMME.length ? el("p", { class: "disclosure" }, [T.human + " "].concat(contactParts(PROGRAMME[0]))) : null;
    log.appendChild(el("div", { class: "msg bot greeting" }, [
      el("span", { class: "who", text: T.assistant }),
      el("div", { class: "bubble" }, [
        el("p", { text: TEXTS.greeting[audience] }), el("p", { class: "disclosure", text: T.disclosure }), human
      ])
    ]));
    if (transcript.length) return;
    var list = el("ul");
    TEXTS.suggestions[audience].forEach(function (q) {
      list.appendChild(el("li", null, [el("button", { class: "chip", type: "button", text: q, onclick: function () { ask(q); } })]));
    });
    log.appendChild(el("div", { class: "suggest", role: "group", "aria-labelledby": "ww-sugg" }, [
      el("h3", { id: "ww-sugg", text: T.suggestions_label }), list
    ]));
  }

  function userMessage(text) {
    return el("div", { class: "msg user" }, [
      el("span", { class: "who", text: T.you }), el("div", { class: "bubble", text: text })
    ]);
  }

  // Text as it streams in (or an answer without structure): its lines as paragraphs.
  function renderPlain(container, text) {
    container.textContent = "";
    text.split("\n").forEach(function (line) {
      if (line.trim()) container.appendChild(el("p", { text: line }));
    });
  }

  // One statement: its text and a button per citation; list items under it as a list.
  function renderStatement(st, view, cls) {
    var p = el("p", { class: cls || null }, [st.text || ""]);
    (st.citations || []).forEach(function (n) {
      p.appendChild(document.createTextNode(" "));
      p.appendChild(citeButton(n, view));
    });
    if (!st.items || !st.items.length) return p;
    var list = el("ul");
    st.items.forEach(function (item) { list.appendChild(el("li", { text: item })); });
    return el("div", { class: "statement" }, [p, list]);
  }

  // The answer from its data: lead, points, notices. Until an answerer fills them, its text.
  function renderAnswer(view, entry) {
    var body = view.body;
    if (!entry.lead || !entry.lead.length) { renderPlain(body, entry.text || view.text); return; }
    body.textContent = "";
    entry.lead.forEach(function (st) { body.appendChild(renderStatement(st, view, entry.abstained ? null : "lead")); });
    (entry.points || []).forEach(function (st) { body.appendChild(renderStatement(st, view, null)); });
    (entry.notices || []).forEach(function (notice) { body.appendChild(el("p", { class: "notice", text: notice })); });
  }

  // The answer as one line of text, for screen readers.
  function spoken(entry) {
    if (!entry.lead || !entry.lead.length) return (entry.text || "").replace(/\s*\[\d+\]/g, "");
    return entry.lead.concat(entry.points || []).map(function (st) {
      return [st.text].concat(st.items || []).join(" ");
    }).concat(entry.notices || [], entry.mode === "clarify" ? entry.choices || [] : []).join(" ");
  }

  // A contact: its name, linked to its official page, and its e-mail address when it has one.
  function contactParts(c) {
    var url = c.url ? safeUrl(c.url) : null;
    var parts = [url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, [
      c.name, el("span", { class: "sr", text: " " + T.opens_new_window })
    ]) : c.name];
    if (c.email && /^[^\s@<>]+@[^\s@<>]+$/.test(c.email)) {
      parts.push(" · ", el("a", { href: "mailto:" + c.email, text: c.email }));
    }
    return parts;
  }
  function contactsOf(entry) {
    return entry.contacts && entry.contacts.length ? entry.contacts : PROGRAMME;
  }
  // "Hier kun je verder:" and the contacts, one per line.
  function onward(entry, intro, hidden) {
    var list = el("ul");
    contactsOf(entry).forEach(function (c) { list.appendChild(el("li", null, contactParts(c))); });
    var introP = el("p", { text: intro });
    var box = el("div", { class: "onward", id: "ww-onward-" + (++uid), hidden: hidden || null }, [introP, list]);
    box.setIntro = function (text) { introP.textContent = text; };
    return box;
  }

  // Mode "clarify": the choices as buttons; the one picked is asked next.
  function renderChoices(view, entry) {
    var group = el("div", { class: "choices", role: "group", "aria-label": T.choices_label });
    var buttons = entry.choices.map(function (choice) {
      return el("button", {
        class: "chip", type: "button", text: choice, "aria-pressed": entry.chosen === choice ? "true" : "false",
        disabled: !!entry.chosen, onclick: function () {
          if (busy || entry.chosen) return;
          entry.chosen = choice;
          saveTranscript();
          buttons.forEach(function (b) { b.disabled = true; b.setAttribute("aria-pressed", String(b.textContent === choice)); });
          ask(choice);
        }
      });
    });
    buttons.forEach(function (b) { group.appendChild(b); });
    view.body.appendChild(group);
  }

  function citeButton(n, view) {
    return el("button", {
      class: "cite", type: "button", text: String(n), "aria-label": fmt(T.cite_label, { n: n }),
      onclick: function () { view.openCitation(n, true); }
    });
  }

  function botMessage() {
    var body = el("div", { class: "answer" }, [el("p", { class: "thinking", text: T.thinking })]);
    var extra = el("div");
    var bubble = el("div", { class: "bubble" }, [body, extra]);
    var who = el("span", { class: "who" }, [T.assistant, el("span", { class: "ai", text: " · " + T.automated_label })]);
    var node = el("div", { class: "msg bot", "aria-busy": "true" }, [who, bubble]);
    var view = {
      node: node, body: body, extra: extra, text: "", citations: [], toggles: {},
      setText: function (text) { view.text = text; renderPlain(body, text); },
      openCitation: function (n, focus) {
        var t = view.toggles[n];
        if (!t) return;
        if (t.getAttribute("aria-expanded") !== "true") t.click();
        if (focus) { t.focus({ preventScroll: true }); revealInLog(t); }
      }
    };
    return view;
  }

  function renderCitations(view, citations, answerLang) {
    view.citations = citations || [];
    if (!view.citations.length) return;
    var list = el("ol");
    view.citations.forEach(function (c) {
      var bodyId = "ww-src-" + (++uid);
      var where = [c.location, c.valid_as_of ? c.valid_as_of : null].filter(Boolean).join(" · ");
      var toggle = el("button", { class: "src-toggle", type: "button", "aria-expanded": "false", "aria-controls": bodyId }, [
        el("span", { class: "src-n", text: "[" + c.n + "]" }),
        el("span", { class: "src-title" }, [c.title, where ? el("span", { class: "src-loc", text: where }) : null]),
        el("span", { class: "chev", "aria-hidden": "true", text: "›" })
      ]);
      toggle.setAttribute("title", T.show_passage);
      var url = c.source_url ? safeUrl(c.source_url) : null;
      var note = answerLang === "en" && c.language === "nl" && T.in_dutch ? el("p", { class: "note", text: T.in_dutch }) : null;
      var body = el("div", { class: "src-body", id: bodyId, hidden: true }, [
        note,
        el("blockquote", { text: c.passage, lang: c.language || "nl" }),
        url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, [
          T.open_source, icon(ICONS.external, 14), el("span", { class: "sr", text: " " + T.opens_new_window })
        ]) : null
      ]);
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        toggle.setAttribute("title", open ? T.hide_passage : T.show_passage);
        body.hidden = !open;
      });
      view.toggles[c.n] = toggle;
      list.appendChild(el("li", null, [toggle, body]));
    });
    var headingId = "ww-srch-" + (++uid);
    view.extra.appendChild(el("section", { class: "sources", "aria-labelledby": headingId }, [
      el("h3", { id: headingId, text: T.sources }), list
    ]));
  }

  function renderFeedback(view, entry) {
    var status = el("span", { class: "fb-status", role: "status" });
    var up = el("button", { class: "thumb", type: "button", "aria-pressed": "false", "aria-label": T.thumbs_up, title: T.thumbs_up }, [icon(ICONS.up, 18)]);
    var down = el("button", { class: "thumb", type: "button", "aria-pressed": "false", "aria-label": T.thumbs_down, title: T.thumbs_down }, [icon(ICONS.down, 18)]);
    var row = el("div", { class: "feedback" }, [el("span", { text: T.feedback_question }), up, down]);
    // The way onward: always shown under a refusal (see finishBot), else behind the contact button.
    var more = entry.abstained ? null : onward(entry, T.contacts_intro, true);
    if (more) {
      var contactBtn = el("button", {
        class: "contact-btn", type: "button", "aria-expanded": "false", "aria-controls": more.id, text: T.contact_button,
        onclick: function () { showOnward(contactBtn.getAttribute("aria-expanded") !== "true"); }
      });
      row.appendChild(contactBtn);
    }
    row.appendChild(status);
    if (more) row.appendChild(more);
    function showOnward(open, intro) {
      if (!more) return;
      if (intro) more.setIntro(intro);
      more.hidden = !open;
      contactBtn.setAttribute("aria-expanded", String(open));
    }
    function lock(rating) {
      up.disabled = down.disabled = true;
      (rating === "up" ? up : down).setAttribute("aria-pressed", "true");
    }
    function send(rating, comment) {
      lock(rating);
      postJSON("/api/feedback", { answer_id: entry.answerId, rating: rating, comment: comment || null }).then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        entry.rating = rating;
        saveTranscript();
        status.textContent = T.feedback_thanks;
      }).catch(function () {
        up.disabled = down.disabled = false;
        up.setAttribute("aria-pressed", "false");
        down.setAttribute("aria-pressed", "false");
        status.textContent = T.feedback_failed;
      });
    }
    up.addEventListener("click", function () { send("up"); });
    down.addEventListener("click", function () {
      lock("down");
      showOnward(true, T.after_down);
      if (view.onward) view.onward.setIntro(T.after_down);  // a refusal shows its contacts already
      announce(T.after_down + " " + contactsOf(entry).map(function (c) { return c.name; }).join(", "));
      var id = "ww-fb-" + (++uid);
      var box = el("textarea", { id: id, maxlength: "1000" });
      var form = el("div", { class: "comment" }, [
        el("label", { for: id, text: T.feedback_comment_label }), box,
        el("div", { class: "row" }, [
          el("button", { class: "btn", type: "button", text: T.feedback_send, onclick: function () { form.remove(); send("down", box.value.trim()); } }),
          el("button", { class: "btn secondary", type: "button", text: T.feedback_skip, onclick: function () { form.remove(); send("down"); } })
        ])
      ]);
      row.appendChild(form);
      box.focus();
    });
    if (entry.rating) { lock(entry.rating); status.textContent = T.feedback_thanks; }
    view.extra.appendChild(row);
  }

  function finishBot(view, entry) {
    renderAnswer(view, entry);
    view.node.removeAttribute("aria-busy");
    view.node.setAttribute("lang", entry.lang || lang);
    if (entry.abstained) {
      view.node.classList.add("refusal");
      view.body.appendChild(el("p", { class: "note", text: T.refusal_hint }));
      if (contactsOf(entry).length) view.body.appendChild(view.onward = onward(entry, T.contacts_intro, false));
    }
    if (entry.mode === "clarify" && entry.choices && entry.choices.length) renderChoices(view, entry);
    if (entry.note) view.body.appendChild(el("p", { class: "note", text: entry.note }));
    renderCitations(view, entry.citations, entry.lang);
    if (entry.answerId && entry.mode !== "clarify") renderFeedback(view, entry);
  }

  function showError(view, message, retry) {
    view.node.removeAttribute("aria-busy");
    if (!view.text) view.body.textContent = "";
    var box = el("div", { class: "error", role: "alert" }, [el("div", { text: message })]);
    if (retry) {
      box.appendChild(el("button", { class: "btn", type: "button", text: T.retry, onclick: function () {
        view.node.remove();
        var prev = log.lastElementChild;
        if (prev && prev.classList.contains("user")) prev.remove();
        ask(retry);
      } }));
    }
    view.extra.appendChild(box);
    scrollToEnd();
  }

  function restore() {
    log.textContent = "";
    renderGreeting();
    transcript.forEach(function (entry) {
      if (entry.role === "user") { log.appendChild(userMessage(entry.text)); return; }
      var view = botMessage();
      log.appendChild(view.node);
      finishBot(view, entry);
    });
  }

  // --- talking to the service ----------------------------------------------------------
  function postJSON(path, body) {
    return fetch(API + path, {
      method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify(body), credentials: "omit", mode: "cors"
    });
  }

  // Server-Sent Events over a fetch() body: blocks separated by a blank line; lines
  // "event: x" and "data: y"; lines starting with ":" are keep-alive comments.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "", pendingCR = false;
    function dispatch(block) {
      var event = "message", dataLines = [];
      block.split("\n").forEach(function (line) {
        if (!line || line.charAt(0) === ":") return;
        var i = line.indexOf(":");
        var field = i < 0 ? line : line.slice(0, i);
        var value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") dataLines.push(value);
      });
      if (!dataLines.length) return;
      var payload;
      try { payload = JSON.parse(dataLines.join("\n")); } catch (e) { payload = dataLines.join("\n"); }
      onEvent(event, payload);
    }
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) { if (buffer.trim()) dispatch(buffer); return; }
        var chunk = decoder.decode(r.value, { stream: true });
        if (pendingCR) { chunk = "\r" + chunk; pendingCR = false; }
        if (chunk.slice(-1) === "\r") { pendingCR = true; chunk = chunk.slice(0, -1); }
        buffer += chunk.replace(/\r\n?/g, "\n");
        var idx;
        while ((idx = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          dispatch(block);
        }
        return pump();
      });
    }
    return pump();
  }

  function setBusy(value) {
    busy = value;
    sendBtn.disabled = value;
    log.setAttribute("aria-busy", String(value));
  }

  function ask(question) {
    question = (question || "").trim();
    if (!question || busy) return;
    var sugg = log.querySelector(".suggest");
    if (sugg) sugg.remove();
    lastQuestion = question;
    log.appendChild(userMessage(question));
    var view = botMessage();
    log.appendChild(view.node);
    scrollToEnd();
    setBusy(true);
    controller = window.AbortController ? new AbortController() : null;
    var entry = {
      role: "assistant", text: "", lead: [], points: [], notices: [], citations: [], contacts: [], choices: [],
      mode: null, answerId: null, abstained: false, lang: lang
    };
    var finished = false, failed = false;
    var body = { message: question, lang: lang, audience: audience };
    if (region) body.region = region;
    if (conversationId) body.conversation_id = conversationId;

    fetch(API + "/api/chat/stream", {
      method: "POST", headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "Accept-Language": lang },
      body: JSON.stringify(body), credentials: "omit", mode: "cors", signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (res.status === 429) {
        var wait = parseInt(res.headers.get("Retry-After") || "30", 10);
        failed = true;
        showError(view, fmt(T.error_rate, { seconds: isNaN(wait) ? 30 : wait }), question);
        return;
      }
      if (res.status === 422 || res.status === 413) {
        failed = true;
        return res.json().catch(function () { return {}; }).then(function (err) {
          var msg = typeof err.detail === "string" ? err.detail : fmt(T.error_too_long, { n: question.length, limit: MAX_CHARS });
          showError(view, msg, null);
        });
      }
      if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
      return readEvents(res, function (event, data) {
        if (event === "meta") {
          conversationId = data.conversation_id;
          store.set("conversation", conversationId);
          entry.answerId = data.answer_id;
        } else if (event === "delta") {
          view.setText(view.text + data.text);
          scrollToEnd();
        } else if (event === "answer") {
          entry.text = data.answer || "";
          entry.lead = data.lead || [];
          entry.points = data.points || [];
          entry.notices = data.notices || [];
          entry.citations = data.citations || [];
          entry.contacts = data.contacts || [];
          entry.choices = data.choices || [];
          entry.mode = data.mode || null;
        } else if (event === "citations") {
          entry.citations = data;
        } else if (event === "done") {
          finished = true;
          entry.text = entry.text || view.text.replace(/\n+$/, "");
          entry.answerId = data.answer_id;
          entry.abstained = !!data.abstained;
          entry.mode = data.mode || entry.mode;
          entry.lang = data.lang || lang;
          entry.note = data.note || null;
          transcript.push({ role: "user", text: question }, entry);
          saveTranscript();
          finishBot(view, entry);
          announce(T.answer_ready + " " + spoken(entry));
        } else if (event === "error") {
          failed = true;
          showError(view, data.message || T.error_down, data.code === "invalid_question" ? null : question);
        }
      });
    }).then(function () {
      if (!finished && !failed) showError(view, T.error_interrupted + " " + T.error_down, question);
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (!finished && !failed) showError(view, T.error_down, question);
    }).then(function () {
      setBusy(false);
      controller = null;
      if (finished) revealAnswer(view.node);
      else scrollToEnd();
    });
  }

  function newConversation() {
    if (controller) controller.abort();
    if (conversationId) {
      fetch(API + "/api/conversations/" + encodeURIComponent(conversationId), { method: "DELETE", credentials: "omit", mode: "cors" })
        .catch(function () { /* the server purges it after the retention period anyway */ });
    }
    conversationId = null;
    transcript = [];
    store.del("conversation");
    store.del("transcript");
    setBusy(false);
    restore();
    textarea.value = "";
    updateCounter();
    textarea.focus();
    announce(T.new_conversation_done);
  }

  // --- opening, closing, keyboard --------------------------------------------------------
  function openPanel(focus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    store.set("open", true);
    scrollToEnd();
    if (focus) textarea.focus();
  }
  function closePanel(focus) {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    store.set("open", false);
    if (focus) launcher.focus();
  }
  function updateCounter() {
    var n = textarea.value.length;
    counter.hidden = n < MAX_CHARS * 0.8;
    counter.textContent = n + " / " + MAX_CHARS;
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight + 2, 140) + "px";
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = textarea.value;
    if (!q.trim() || busy) return;
    textarea.value = "";
    updateCounter();
    ask(q);
  });
  textarea.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  textarea.addEventListener("input", updateCounter);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.stopPropagation(); closePanel(true); }
  });

  function mount() {
    document.body.appendChild(host);
    restore();
    if (store.get("open") || data.open === "true") openPanel(false);
  }
  window.WegwijzerWidget = {
    open: function () { openPanel(true); },
    close: function () { closePanel(true); },
    ask: function (q) { openPanel(false); ask(q); }
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
