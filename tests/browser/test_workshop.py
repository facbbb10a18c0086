"""The workshop app in Chromium, started the README's way (``make workshop``, Voila with a pre-heated pool).

One app for the module. The tests open a preset link, visit every page, reveal the code, write
a settings link, upload a malformed file (a named problem appears) and a valid one (the report
downloads), and fail on any error text or code on the page.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from gqkit.workshop import PAGES

from .conftest import start_workshop, stop_group, wait_for

# What must never reach a participant: a traceback, an exception's name, Voila's cell-error notice, source code.
ERROR_TEXT = re.compile(r"Traceback|\w+Error\b|Exception|There was an error when executing|something went wrong|from gqkit\.workshop import")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("workshop") / "voila.log"
    proc, log, url = start_workshop(log_path, pool=2)
    try:
        wait_for(f"{url}/voila/static/voila.js", timeout=180)
        deadline = time.monotonic() + 120  # the pool is warm when Voila says so
        while "is filled with" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        yield url
    finally:
        stop_group(proc)
        log.close()


def open_app(browser, url: str, attempts: int = 3) -> Page:
    """A page with the app shown: a fresh page per attempt, since Voila can hang on a page load (voila#1395)."""
    for attempt in range(attempts):
        page = browser.new_page(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
        try:
            page.goto(url, timeout=60_000)
            expect(page.locator(".widget-tab").first).to_be_visible(timeout=60_000)
            return page
        except Exception:
            page.close()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def no_error_text(page: Page) -> None:
    text = page.locator("body").inner_text()
    found = ERROR_TEXT.search(text)
    assert found is None, f"error text on the page: {text[max(0, found.start() - 200): found.end() + 200]!r}"


def choose(page: Page, upload, path) -> None:
    """Pick a file the way a participant does: click the upload button, answer the file chooser."""
    with page.expect_file_chooser(timeout=30_000) as chooser:
        upload.click()
    chooser.value.set_files(str(path))


def tab(page: Page, title: str):
    return page.locator(".lm-TabBar-tab", has_text=title).first


def test_a_preset_link_opens_its_page_with_its_settings(browser, app_url):
    page = open_app(browser, f"{app_url}/?preset=strict-change-alert")
    expect(tab(page, PAGES["detection"])).to_have_class(re.compile("lm-mod-current"), timeout=30_000)
    slider = page.locator(".widget-slider", has_text="z (x the facet").first
    expect(slider.locator(".widget-readout")).to_have_text("3.50", timeout=30_000)
    expect(page.locator("img.widget-image:visible").first).to_be_visible(timeout=30_000)
    expect(page.locator("table.gq-metrics:visible").first).to_be_visible()
    no_error_text(page)
    page.close()


def test_every_page_opens_shows_its_code_and_writes_a_link(browser, app_url):
    page = open_app(browser, app_url)
    for name, title in PAGES.items():
        tab(page, title).click()
        expect(tab(page, title)).to_have_class(re.compile("lm-mod-current"), timeout=30_000)
        heading = page.locator("h3:visible", has_text=title).first
        expect(heading).to_be_visible(timeout=60_000)
        if name == "data":
            expect(page.locator(".widget-upload:visible").first).to_be_visible()
            continue
        expect(page.locator("img.widget-image:visible").first).to_be_visible(timeout=60_000)
        page.locator("button:visible", has_text="Show the code").first.click()
        expect(page.locator("pre.gq-code:visible").first).to_contain_text("gqkit", timeout=30_000)
        page.locator("button:visible", has_text="Link to these settings").first.click()
        expect(page.locator(".widget-text input").first).to_have_value(re.compile(rf"^http://127\.0\.0\.1:\d+/\?page={name}"), timeout=30_000)
        no_error_text(page)
    page.close()


def test_a_settings_link_opens_what_was_set(browser, app_url):
    page = open_app(browser, app_url)
    level = page.locator(".widget-dropdown:visible", has_text="level").first.locator("select")
    level.select_option(label="member-member")
    page.locator("button:visible", has_text="Link to these settings").first.click()
    box = page.locator(".widget-text input").first
    expect(box).to_have_value(re.compile(r"level=MM"), timeout=30_000)
    link = box.input_value()
    page.close()
    page = open_app(browser, link)
    level = page.locator(".widget-dropdown:visible", has_text="level").first.locator("select")
    expect(level).to_have_value(re.compile("."), timeout=30_000)
    assert level.evaluate("s => s.options[s.selectedIndex].text") == "member-member"
    no_error_text(page)
    page.close()


def test_a_bad_link_says_why_in_one_line(browser, app_url):
    page = open_app(browser, f"{app_url}/?preset=no-such-preset")
    expect(page.locator(".gq-error").first).to_contain_text("This link cannot be opened: preset", timeout=30_000)
    expect(page.locator("img.widget-image:visible").first).to_be_visible(timeout=60_000)  # the first page, as it opens without a link
    no_error_text(page)
    page.close()


def test_your_data_names_a_bad_line_then_reports_a_good_file(browser, app_url, tmp_path):
    from gqkit import load_example, to_wide

    bad = tmp_path / "bad.csv"
    bad.write_text("group,member,session,item,response\ng1,m1,1,gq01,5\ng1,m1,two,gq02,9\n")
    good = tmp_path / "ours.csv"
    to_wide(load_example("classroom").responses).to_csv(good, index=False)
    page = open_app(browser, f"{app_url}/?page=data")
    upload = page.locator(".widget-upload:visible").first
    expect(upload).to_be_visible(timeout=60_000)
    choose(page, upload, bad)
    problems = page.locator(".gq-problems").first
    expect(problems).to_contain_text("line 3", timeout=30_000)
    expect(problems).to_contain_text("session")
    expect(problems).to_contain_text("response")
    choose(page, upload, good)
    expect(page.locator(".gq-data-ok").first).to_contain_text("ours.csv", timeout=60_000)
    expect(page.locator("img.widget-image:visible").first).to_be_visible(timeout=30_000)
    page.locator("button:visible", has_text="Make the report").first.click()
    link = page.locator("a.gq-download", has_text="Download the report").first
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=30_000) as info:
        link.click()
    saved = tmp_path / "report.html"
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "ours.csv" in text
    no_error_text(page)
    page.close()


def test_the_scenario_menu_applies_a_preset_in_the_open_page(browser, app_url):
    page = open_app(browser, app_url)
    expect(page.locator("img.widget-image:visible").first).to_be_visible(timeout=60_000)
    menu = page.locator(".widget-dropdown:visible", has_text="scenario").first.locator("select")
    menu.select_option(label=f"{PAGES['culture']}: shaming-vs-repair")
    expect(tab(page, PAGES["culture"])).to_have_class(re.compile("lm-mod-current"), timeout=60_000)
    expect(page.locator(".gq-preset").first).to_contain_text("Look for:", timeout=30_000)
    expect(page.locator(".gq-culture-summary:visible").first).to_be_visible(timeout=60_000)
    response = page.locator(".widget-dropdown:visible", has_text="response").first.locator("select")
    assert response.evaluate("s => s.options[s.selectedIndex].text") == "shaming"
    no_error_text(page)
    page.close()


def test_an_upload_over_the_limit_is_refused_with_a_message(browser, app_url, tmp_path):
    big = tmp_path / "big.csv"  # over the app's 5 MB and over tornado's default 10 MiB websocket message, which dropped the connection silently
    big.write_text("group,member,session,item,response\n" + "g1,m1,1,gq01,5\n" * 800_000)
    page = open_app(browser, f"{app_url}/?page=data")
    upload = page.locator(".widget-upload:visible").first
    expect(upload).to_be_visible(timeout=60_000)
    choose(page, upload, big)
    expect(page.locator(".gq-error").first).to_contain_text("big.csv (12.0 MB)", timeout=60_000)
    expect(page.locator(".gq-error").first).to_contain_text("at most 5 MB")
    no_error_text(page)
    page.close()
