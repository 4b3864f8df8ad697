"""The widget end to end in real headless Chromium (Debian's chromium, driven by Playwright).

Opens the demo page served by a real uvicorn server, opens the widget, asks a question,
waits for the streamed answer, checks that it is rendered from the answer's data (lead,
points, list items, notices, a button per citation) with its first line in view, expands
a citation, gives a thumbs up (checked through the admin export), and keeps screenshots in
test-artifacts/. Again at a 360 px wide phone viewport; plus keyboard use, rate-limit and
outage errors with retry.

Also: the disclosure (the greeting says answers are automated and how to reach a person; each
answer is labelled), the way onward (contacts under a refusal, behind "Vraag het een
medewerker", after a thumbs down), a thumbs down that ends as a draft eval case written by
``wegwijzer feedback cases``, the choices of a clarifying question, and axe-core's WCAG 2.1
A/AA rules over the real page with the widget open and an answer shown, at 1280 and 360 px
and at 320 px (WCAG 1.4.10 reflow); axe-core comes from the npm registry into .cache/node,
installed on first use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from live_server import ADMIN_KEY, live_server
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from assistant import Assistant
from assistant.base.settings import PROJECT_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
QUESTION = "Welke subsidie krijg ik om personeel om te scholen naar ICT?"
NODE_CACHE = PROJECT_ROOT / ".cache" / "node"
AXE_JS = NODE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LABEL = "Automatisch antwoord uit de programmadocumenten"


@pytest.fixture(scope="module")
def base(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(assistant, tmp_path_factory.mktemp("widget-state")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Fail (not skip) without the browser: a green run must have exercised the widget.
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium (`make setup-test` does)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="nl-NL")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    assert not errors, f"browser errors: {errors}"


def ask_and_wait(page: Page, question: str) -> None:
    box = page.get_by_label("Je vraag")
    box.fill(question)
    with page.expect_response(lambda r: r.url.endswith("/api/chat/stream")) as resp:
        box.press("Enter")
    assert resp.value.headers["content-type"].startswith("text/event-stream")
    expect(page.locator(".msg.bot .feedback").last).to_be_visible(timeout=30_000)


def transcript(page: Page) -> list[dict]:
    raw = page.evaluate(
        "() => { for (let i = 0; i < sessionStorage.length; i++) { const k = sessionStorage.key(i);"
        " if (k.endsWith(':transcript')) return sessionStorage.getItem(k); } return null; }"
    )
    return json.loads(raw) if raw else []


def show_last_question(page: Page) -> None:
    """Scroll the chat so the last question is at the top (for a telling screenshot)."""
    page.evaluate(
        "() => { const r = document.querySelector('#wegwijzer-widget').shadowRoot; const log = r.querySelector('.log');"
        " const q = [...r.querySelectorAll('.msg.user')].pop();"
        " log.scrollTop += q.getBoundingClientRect().top - log.getBoundingClientRect().top - 8; }"
    )


def show_bottom(page: Page) -> None:
    page.evaluate(
        "() => { const log = document.querySelector('#wegwijzer-widget').shadowRoot.querySelector('.log');"
        " log.scrollTop = log.scrollHeight; }"
    )


def assert_rendered_from_data(answer: Locator, entry: dict) -> None:
    """The bubble shows the answer's data: the lead (bold) first, then the points, list items as
    a list, a citation button after each statement, the notices in their own paragraphs."""
    assert entry["lead"], "the answerer fills the lead"
    statements = entry["lead"] + entry["points"]
    paragraphs = answer.locator(".answer > p, .answer > .statement > p")
    expect(paragraphs).to_have_count(len(statements) + len(entry["notices"]))
    expect(answer.locator(".answer p.lead")).to_have_count(len(entry["lead"]))
    for i, st in enumerate(statements):
        shown = paragraphs.nth(i)
        expect(shown).to_contain_text(st["text"])
        expect(shown.locator(".cite")).to_have_text([str(n) for n in st["citations"]])
    items = [item for st in statements for item in st["items"]]
    expect(answer.locator(".answer li")).to_have_text(items)
    expect(answer.locator(".answer .notice")).to_have_text(entry["notices"])
    assert not re.search(r"\[\d+\]", answer.locator(".answer").inner_text()), "no plain-text [n] markers"


def assert_first_line_in_view(page: Page, answer: Locator) -> None:
    """After the answer is complete, its first line is visible in the chat log."""
    inside = page.evaluate(
        "() => { const r = document.querySelector('#wegwijzer-widget').shadowRoot;"
        " const log = r.querySelector('.log').getBoundingClientRect();"
        " const first = [...r.querySelectorAll('.msg.bot')].pop().querySelector('.answer p').getBoundingClientRect();"
        " return first.top >= log.top - 1 && first.bottom <= log.bottom + 1; }"
    )
    assert inside, "the first line of the answer is in view"


def exported_feedback(base: str) -> list[dict]:
    r = httpx.get(f"{base}/admin/feedback", headers={"X-Admin-Key": ADMIN_KEY})
    r.raise_for_status()
    return r.json()


def test_demo_page_question_answer_citation_feedback(page: Page, base: str, artifacts_dir: Path) -> None:
    page.goto(base + "/")
    expect(page).to_have_title("ICT-talent voor je organisatie — Human Capital Agenda ICT (demo)")
    launcher = page.get_by_role("button", name="Vraag het de Wegwijzer")
    expect(launcher).to_be_visible()
    # The host page styles every <button> in uppercase; the widget is unaffected (Shadow DOM).
    assert launcher.evaluate("el => getComputedStyle(el).textTransform") == "none"
    launcher.click()
    dialog = page.get_by_role("dialog", name="Wegwijzer ICT")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Je vraag")).to_be_focused()
    expect(dialog.get_by_role("button", name="Hoe kan ik een kennismigrant in dienst nemen?")).to_be_visible()

    ask_and_wait(page, QUESTION)
    answer = page.locator(".msg.bot").last
    entry = transcript(page)[-1]
    assert_rendered_from_data(answer, entry)
    assert_first_line_in_view(page, answer)
    expect(answer.get_by_role("button", name="Bron 1").first).to_be_visible()
    sources = answer.locator(".sources li")
    assert sources.count() == len(entry["citations"]) >= 1

    toggle = sources.first.locator(".src-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    passage = sources.first.locator("blockquote")
    expect(passage).to_be_visible()
    assert len(passage.inner_text()) > 40
    answers = transcript(page)
    assert answers[-1]["role"] == "assistant" and answers[-1]["answerId"]
    first_citation = answers[-1]["citations"][0]
    if first_citation["source_url"]:
        expect(sources.first.get_by_role("link", name="Open de bron")).to_have_attribute(
            "href", first_citation["source_url"]
        )

    answer.get_by_role("button", name="Ja, nuttig").click()
    expect(answer.get_by_text("Bedankt voor je feedback.")).to_be_visible()
    stored = [f for f in exported_feedback(base) if f["answer_id"] == answers[-1]["answerId"]]
    assert [f["rating"] for f in stored] == ["up"]
    show_last_question(page)
    page.screenshot(path=str(artifacts_dir / "widget-desktop.png"))
    show_bottom(page)
    page.screenshot(path=str(artifacts_dir / "widget-desktop-sources.png"))

    # The conversation survives a page load (sessionStorage), and "new conversation" clears it.
    page.reload()
    expect(page.get_by_role("dialog", name="Wegwijzer ICT")).to_be_visible()
    expect(page.locator(".msg.user .bubble")).to_have_text([QUESTION])
    page.get_by_role("button", name="Nieuw gesprek").click()
    expect(page.locator(".msg.user")).to_have_count(0)
    expect(page.get_by_label("Je vraag")).to_be_focused()
    assert transcript(page) == []


def test_phone_viewport_360(browser: Browser, base: str, artifacts_dir: Path) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.get_by_role("button", name="Vraag het de Wegwijzer").click()
        panel = page.get_by_role("dialog", name="Wegwijzer ICT")
        expect(panel).to_be_visible()
        box = panel.bounding_box()
        assert box and box["x"] >= 0 and box["width"] <= 360
        with page.expect_response(lambda r: r.url.endswith("/api/chat/stream")):
            page.get_by_role("button", name="Hoe kan ik een kennismigrant in dienst nemen?").click()
        answer = page.locator(".msg.bot").last
        expect(answer.locator(".feedback")).to_be_visible(timeout=30_000)
        assert_first_line_in_view(page, answer)
        expect(answer.locator(".sources li").first).to_be_visible()
        answer.locator(".src-toggle").first.click()
        expect(answer.locator("blockquote").first).to_be_visible()
        overflow = page.evaluate(
            "() => { const r = document.querySelector('#wegwijzer-widget').shadowRoot;"
            " const log = r.querySelector('.log'); return log.scrollWidth - log.clientWidth; }"
        )
        assert overflow <= 0, "no horizontal scrolling in the chat at 360 px"
        send = page.get_by_role("button", name="Verstuur")
        sb = send.bounding_box()
        assert sb and sb["x"] + sb["width"] <= 360 and sb["height"] >= 44  # reachable, touch-sized
        show_last_question(page)
        page.screenshot(path=str(artifacts_dir / "widget-360.png"))
        show_bottom(page)
        page.screenshot(path=str(artifacts_dir / "widget-360-sources.png"))
    finally:
        context.close()


def test_keyboard_only(page: Page, base: str) -> None:
    page.goto(base + "/")
    launcher = page.get_by_role("button", name="Vraag het de Wegwijzer")
    launcher.focus()
    page.keyboard.press("Enter")
    box = page.get_by_label("Je vraag")
    expect(box).to_be_focused()
    expect(launcher).to_be_hidden()  # the open panel takes its place
    page.keyboard.type("Wat is de SLIM-regeling?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.bot .feedback").last).to_be_visible(timeout=30_000)
    live = page.locator("[aria-live=polite]")
    expect(live).to_contain_text("Antwoord van de Wegwijzer:")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Wegwijzer ICT")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_refusal_is_shown_plainly_with_a_hint(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Vraag het de Wegwijzer").click()
    ask_and_wait(page, "Wat is het recept voor appeltaart met kaneel?")
    answer = page.locator(".msg.bot").last
    entry = transcript(page)[-1]
    assert entry["abstained"] and entry["citations"] == []
    expect(answer).to_have_class(re.compile(r"\brefusal\b"))
    expect(answer.locator(".answer p").first).to_contain_text(
        entry["lead"][0]["text"] if entry["lead"] else entry["text"]
    )
    expect(answer.locator(".answer p.lead")).to_have_count(0)  # a refusal is not shown in bold
    expect(answer.locator(".sources")).to_have_count(0)
    expect(answer).to_contain_text("Probeer een vraag over omscholen")


def test_text_is_never_rendered_as_html(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Vraag het de Wegwijzer").click()
    ask_and_wait(page, '<img src=x onerror="document.title=1"> Wat is de SLIM-regeling?')
    expect(page.locator(".msg.user").last).to_contain_text("<img src=x")
    assert (
        page.evaluate("() => document.querySelector('#wegwijzer-widget').shadowRoot.querySelectorAll('img').length")
        == 0
    )
    assert page.title() != "1"


def test_errors_show_a_message_and_retry(
    browser: Browser, assistant: Assistant, tmp_path: Path, artifacts_dir: Path
) -> None:
    with live_server(assistant, tmp_path, rate_limit_per_minute=1) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        try:
            page.goto(url + "/")
            page.get_by_role("button", name="Vraag het de Wegwijzer").click()
            ask_and_wait(page, "Wat is de SLIM-regeling?")
            # Rate limited: the second question gets a clear message with the wait and a retry button.
            page.get_by_label("Je vraag").fill("Bestaat het STAP-budget nog?")
            page.get_by_label("Je vraag").press("Enter")
            alert = page.get_by_role("alert")
            expect(alert).to_contain_text("Je stelt veel vragen kort na elkaar")
            expect(alert).to_contain_text("seconden")
            expect(alert.get_by_role("button", name="Probeer opnieuw")).to_be_visible()
            page.screenshot(path=str(artifacts_dir / "widget-rate-limited.png"))
        finally:
            context.close()

    with live_server(assistant, tmp_path) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        try:
            page.goto(url + "/")
            page.get_by_role("button", name="Vraag het de Wegwijzer").click()
            # The service is unreachable: the stream request fails at the network level.
            page.route("**/api/chat/stream", lambda route: route.abort("connectionrefused"))
            page.get_by_label("Je vraag").fill("Bestaat het STAP-budget nog?")
            page.get_by_label("Je vraag").press("Enter")
            alert = page.get_by_role("alert")
            expect(alert).to_contain_text("De Wegwijzer is nu niet bereikbaar")
            page.unroute("**/api/chat/stream")
            alert.get_by_role("button", name="Probeer opnieuw").click()
            expect(page.locator(".msg.bot .feedback").last).to_be_visible(timeout=30_000)
            expect(page.get_by_role("alert")).to_have_count(0)
            expect(page.locator(".msg.user")).to_have_count(1)
        finally:
            context.close()


def partner_page(base: str, lang: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Partner</title>'
        "<style>* { font-family: serif !important; color: red !important; } div { display: none !important; }"
        "</style></head>"
        f'<body><h1>Partner site</h1><script src="{base}/widget.js" data-audience="employer" data-lang="{lang}" '
        "defer></script></body></html>"
    )


@contextmanager
def partner_site(port: int, base: str) -> Iterator[int]:
    """Another web site (its own server and origin) that embeds the widget: /en and /nl."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = partner_page(base, self.path.strip("/") or "nl").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_embedded_on_another_site_in_english(
    browser: Browser, assistant: Assistant, tmp_path: Path, artifacts_dir: Path
) -> None:
    """A partner site (another origin, hostile CSS) embeds the widget with one tag; CORS allows it.

    The partner is served at http://localhost:PORT (on the allowlist); the same page reached as
    http://127.0.0.1:PORT is a different origin that is not, and cannot use the API.
    """
    from live_server import free_port

    partner_port = free_port()
    partner = f"http://localhost:{partner_port}"
    with live_server(assistant, tmp_path, cors_origins=[partner]) as url, partner_site(partner_port, url):
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        try:
            page.goto(f"{partner}/en")
            expect(page.get_by_role("heading", name="Partner site")).to_be_visible()
            page.get_by_role("button", name="Ask the Wegwijzer").click()
            box = page.get_by_label("Your question")
            expect(box).to_be_visible()
            box.fill("How can I hire a highly skilled migrant?")
            box.press("Enter")
            answer = page.locator(".msg.bot").last
            expect(answer.locator(".feedback")).to_be_visible(timeout=30_000)
            expect(answer.get_by_role("heading", name="Sources")).to_be_visible()
            expect(answer.get_by_role("button", name="Yes, helpful")).to_be_visible()
            color = answer.evaluate("el => getComputedStyle(el.querySelector('.bubble')).color")
            assert color != "rgb(255, 0, 0)", "the host page's CSS does not reach into the widget"
            show_last_question(page)
            page.screenshot(path=str(artifacts_dir / "widget-partner-en.png"))
        finally:
            context.close()

        # The same page under an origin that is not on the allowlist: the browser blocks the
        # API calls (CORS) and the widget says the service cannot be reached.
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        try:
            page.goto(f"http://127.0.0.1:{partner_port}/nl")
            page.get_by_role("button", name="Vraag het de Wegwijzer").click()
            page.get_by_label("Je vraag").fill("Wat is de SLIM-regeling?")
            page.get_by_label("Je vraag").press("Enter")
            expect(page.get_by_role("alert")).to_contain_text("De Wegwijzer is nu niet bereikbaar")
        finally:
            context.close()


# --- disclosure, the way onward, feedback that becomes an eval case ---------------------------------
def test_greeting_and_answers_say_they_are_automated_and_how_to_reach_a_person(
    page: Page, base: str, assistant: Assistant
) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Vraag het de Wegwijzer").click()
    greeting = page.locator(".msg.greeting")
    expect(greeting).to_contain_text("Ik ben een geautomatiseerde assistent, geen medewerker.")
    expect(greeting).to_contain_text("automatisch samengesteld uit de programmadocumenten")
    programme = assistant.settings.programme_contact_name
    assert programme, "the settings name a programme contact by default"
    link = greeting.get_by_role("link", name=programme)
    expect(link).to_have_attribute("href", assistant.settings.programme_contact_url or "")
    expect(greeting).to_contain_text("Liever een mens spreken? Neem contact op met " + programme)
    expect(greeting.locator(".who")).to_have_text("Wegwijzer")  # the greeting is no answer

    ask_and_wait(page, "Hoe neem ik een kennismigrant in dienst?")
    answer = page.locator(".msg.bot").last
    expect(answer.locator(".who")).to_have_text("Wegwijzer · " + LABEL)
    entry = transcript(page)[-1]
    assert [c["name"] for c in entry["contacts"]][-1] == programme and len(entry["contacts"]) >= 2
    # the contacts sit behind "Vraag het een medewerker": each body linked to its official page
    contact = answer.get_by_role("button", name="Vraag het een medewerker")
    onward = answer.locator(".onward")
    expect(onward).to_be_hidden()
    expect(contact).to_have_attribute("aria-expanded", "false")
    contact.click()
    expect(contact).to_have_attribute("aria-expanded", "true")
    expect(onward).to_be_visible()
    expect(onward.locator("p")).to_have_text("Hier kun je verder:")
    expect(onward.locator("li")).to_have_count(len(entry["contacts"]))
    for i, c in enumerate(entry["contacts"]):
        expect(onward.locator("li").nth(i)).to_contain_text(c["name"])
        if c["email"]:
            expect(onward.locator("li").nth(i).get_by_role("link", name=c["email"])).to_be_visible()
    for c in entry["contacts"]:
        if c["url"]:
            expect(onward.get_by_role("link", name=c["name"])).to_have_attribute("href", c["url"])
    contact.click()
    expect(onward).to_be_hidden()


def test_refusal_offers_the_programme_contact(page: Page, base: str, assistant: Assistant) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Vraag het de Wegwijzer").click()
    ask_and_wait(page, "Wat is het recept voor appeltaart met kaneel?")
    answer = page.locator(".msg.bot").last
    expect(answer.locator(".who")).to_have_text("Wegwijzer · " + LABEL)
    onward = answer.locator(".onward")
    expect(onward).to_be_visible()  # under a refusal always, without a button
    expect(onward.locator("p")).to_have_text("Hier kun je verder:")
    expect(onward.get_by_role("link", name=assistant.settings.programme_contact_name or "")).to_be_visible()
    expect(answer.get_by_role("button", name="Vraag het een medewerker")).to_have_count(0)
    answer.get_by_role("button", name="Nee, niet nuttig").click()
    expect(onward.locator("p")).to_have_text("Jammer. Hier kun je verder:")


def wegwijzer(*args: str, data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The ``wegwijzer`` command as a user runs it, on the data directory ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_")} | {
        "WEGWIJZER_DATA_DIR": str(data_dir)
    }
    command = Path(sys.executable).with_name("wegwijzer")
    return subprocess.run([str(command), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_thumbs_down_offers_contacts_and_becomes_a_draft_eval_case(
    browser: Browser, assistant: Assistant, tmp_path: Path, artifacts_dir: Path
) -> None:
    from assistant.evaluation.dataset import load_cases

    data_dir = tmp_path / "state"
    question = "Wat is de SLIM-regeling?"
    comment = "Het maximale bedrag per werkgever ontbreekt."
    with live_server(assistant, data_dir) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="nl-NL")
        page = context.new_page()
        try:
            page.goto(url + "/")
            page.get_by_role("button", name="Vraag het de Wegwijzer").click()
            ask_and_wait(page, question)
            answer = page.locator(".msg.bot").last
            entry = transcript(page)[-1]
            answer.get_by_role("button", name="Nee, niet nuttig").click()
            onward = answer.locator(".onward")
            expect(onward).to_be_visible()
            expect(onward.locator("p")).to_have_text("Jammer. Hier kun je verder:")
            expect(onward.locator("li")).to_have_count(len(entry["contacts"]))
            expect(answer.get_by_role("button", name="Vraag het een medewerker")).to_have_attribute(
                "aria-expanded", "true"
            )
            expect(page.locator("[aria-live=polite]")).to_contain_text("Jammer. Hier kun je verder:")
            box = answer.get_by_label("Wat ontbrak er? (optioneel, geen persoonsgegevens)")
            expect(box).to_be_focused()
            box.fill(comment)
            page.screenshot(path=str(artifacts_dir / "widget-thumbs-down.png"))
            with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as sent:
                answer.get_by_role("button", name="Verstuur feedback").click()
            assert sent.value.status == 201
            expect(answer.get_by_text("Bedankt voor je feedback.")).to_be_visible()
            exported = [f for f in exported_feedback(url) if f["answer_id"] == entry["answerId"]]
        finally:
            context.close()
    # the admin export carries what the feedback is about
    assert [(f["rating"], f["comment"], f["question"]) for f in exported] == [("down", comment, question)]
    assert exported[0]["answer"] == entry["text"]
    assert [(c["n"], c["doc_id"], c["title"], c["location"]) for c in exported[0]["citations"]] == [
        (c["n"], c["doc_id"], c["title"], c["location"]) for c in entry["citations"]
    ]

    out = tmp_path / "drafts" / "feedback-cases.yaml"
    done = wegwijzer("feedback", "cases", "--out", str(out), "--since", "7", data_dir=data_dir, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"1 draft case(s) from 👎 feedback to {out}" in done.stderr
    text = out.read_text(encoding="utf-8")
    (case,), _, _ = load_cases(out)  # a valid case for the eval runner, once staff fill it in
    assert case.id.startswith("feedback-") and case.question == question
    assert (case.lang, case.audience, case.category, case.answerable) == ("nl", "employer", "funding", True)
    assert case.facts == [] and case.evidence == []
    assert f"#   {comment}\n" in text
    first_line = entry["text"].split("\n")[0]
    assert f"#   {first_line}\n" in text
    for c in entry["citations"]:
        assert f"#   [{c['n']}] {c['doc_id']}: {c['title']}" in text
    assert yaml.safe_load(text)[0]["id"] == case.id


# --- clarifying questions -------------------------------------------------------------------------------
def test_clarifying_question_shows_choices_and_a_pick_is_answered_in_the_same_conversation(
    page: Page, base: str, artifacts_dir: Path
) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Vraag het de Wegwijzer").click()
    box = page.get_by_label("Je vraag")
    box.fill("subsidie")
    with page.expect_response(lambda r: r.url.endswith("/api/chat/stream")):
        box.press("Enter")
    asked = page.locator(".msg.bot").filter(has=page.locator(".choices"))
    choices = asked.get_by_role("group", name="Kies een onderwerp").get_by_role("button")
    expect(choices.first).to_be_visible(timeout=30_000)
    entry = transcript(page)[-1]
    assert entry["mode"] == "clarify" and 2 <= len(entry["choices"]) <= 4
    expect(choices).to_have_text(entry["choices"])
    expect(asked.locator(".who")).to_have_text("Wegwijzer · " + LABEL)
    expect(asked.locator(".feedback")).to_have_count(0)  # a question back gets no thumbs
    assert_first_line_in_view(page, asked)
    page.screenshot(path=str(artifacts_dir / "widget-clarify.png"))
    conversation = page.evaluate(
        "() => { for (let i = 0; i < sessionStorage.length; i++) { const k = sessionStorage.key(i);"
        " if (k.endsWith(':conversation')) return JSON.parse(sessionStorage.getItem(k)); } return null; }"
    )
    pick = entry["choices"][1]
    with page.expect_request(lambda r: r.url.endswith("/api/chat/stream")) as sent:
        choices.nth(1).click()
    body = json.loads(sent.value.post_data or "{}")
    assert body["message"] == pick and body["conversation_id"] == conversation
    expect(page.locator(".msg.user .bubble")).to_have_text(["subsidie", pick])
    answer = page.locator(".msg.bot").last
    expect(answer.locator(".feedback")).to_be_visible(timeout=30_000)
    expect(choices.nth(1)).to_have_attribute("aria-pressed", "true")
    expect(choices.first).to_be_disabled()
    answered = transcript(page)[-1]
    assert answered["mode"] != "clarify" and not answered["abstained"] and answered["citations"]
    assert_rendered_from_data(answer, answered)
    assert_first_line_in_view(page, answer)
    # reloaded, the choice stays ticked and the buttons stay off
    page.reload()
    expect(page.locator(".choices .chip[aria-pressed=true]")).to_have_text([pick])


# --- automated accessibility checks ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, installed into .cache/node on first use."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: apt-get install npm (scripts/install_system_packages.sh does), for axe-core")
        subprocess.run(
            [npm, "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund", "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page, axe_source: str) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is now, the widget's open shadow
    DOM included (injected with evaluate, so the page's own CSP stays in force)."""
    page.evaluate(axe_source)
    result = page.evaluate(
        """async (tags) => {
          const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          const inShadow = r.passes.reduce((k, v) => k + v.nodes.filter(n => Array.isArray(n.target[0])).length, 0);
          return {inShadow, violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))};
        }""",
        WCAG_TAGS,
    )
    assert result["inShadow"] > 20, "axe checked the widget inside its shadow root"
    return result["violations"]


@pytest.mark.parametrize(
    ("width", "height"), [(1280, 860), (360, 740), (320, 640)], ids=["1280px", "360px", "320px-reflow"]
)
def test_no_wcag_21_aa_violations_with_the_widget_open_and_an_answer_shown(
    browser: Browser, base: str, axe_source: str, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.get_by_role("button", name="Vraag het de Wegwijzer").click()
        expect(page.get_by_role("dialog", name="Wegwijzer ICT")).to_be_visible()
        assert axe_violations(page, axe_source) == [], "the greeting"
        ask_and_wait(page, QUESTION)
        answer = page.locator(".msg.bot").last
        answer.locator(".src-toggle").first.click()
        answer.get_by_role("button", name="Vraag het een medewerker").click()
        expect(answer.locator(".onward")).to_be_visible()
        violations = axe_violations(page, axe_source)
        assert violations == [], json.dumps(violations, indent=1, ensure_ascii=False)
        overflow = page.evaluate(
            "() => { const log = document.querySelector('#wegwijzer-widget').shadowRoot.querySelector('.log');"
            " return Math.max(log.scrollWidth - log.clientWidth, document.documentElement.scrollWidth - innerWidth); }"
        )
        assert overflow <= 0, "no horizontal scrolling (reflow)"
    finally:
        context.close()
