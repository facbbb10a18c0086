"""Notebook 05 in JupyterLab, in a real headless Chromium: run all, press Run trial, see the result redraw."""

from pathlib import Path

from playwright.sync_api import expect

from .test_lab import nudge, run_all

SHOTS = Path(__file__).parents[2] / "screenshots"


def test_notebook_05_feedback_explorer_runs_on_the_button(browser, lab_url):
    page, panel = run_all(browser, lab_url, "05_feedback_and_the_therapist.ipynb")

    explorer = panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".widget-image")).first
    image = explorer.locator(".widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    summary = explorer.locator(".widget-html", has_text="Run 1:").first
    expect(summary).to_contain_text("commitment 0.60", timeout=30_000)
    before = image.get_attribute("src")
    assert before is not None and before.startswith(("blob:", "data:"))

    # a slider move only marks the result stale
    slider = explorer.locator(".widget-slider", has=page.locator("label", has_text="commitment")).first
    nudge(page, slider, "ArrowRight", 6)  # step 0.05: 0.60 -> 0.90
    expect(explorer.locator(".gq-stale")).to_contain_text("Settings changed", timeout=30_000)
    assert image.get_attribute("src") == before

    explorer.locator("button", has_text="Run trial").first.click()
    expect(explorer.locator(".widget-html", has_text="Run 2:").first).to_contain_text("commitment 0.90", timeout=60_000)
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before], timeout=30_000)
    expect(explorer.locator(".gq-error")).to_have_count(0)
    expect(explorer.locator(".gq-stale")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    explorer.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/nb05.png")
    explorer.screenshot(path=str(SHOTS / "lab_notebook_05_explorer.png"))
    page.close()
