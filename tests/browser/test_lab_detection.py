"""Notebook 03 in JupyterLab, in a real headless Chromium: the detection explorer draws the alerts and follows the level."""

from pathlib import Path

from playwright.sync_api import expect

from .test_lab import run_all

SHOTS = Path(__file__).parents[2] / "screenshots"


def test_notebook_03_detection_explorer_draws_alerts_and_follows_the_level(browser, lab_url):
    page, panel = run_all(browser, lab_url, "03_detecting_ruptures.ipynb")

    explorer = panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".gq-metrics")).first
    image = explorer.locator(".widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    expect(explorer).to_contain_text("makes no level claim", timeout=30_000)
    before = image.get_attribute("src")
    assert before is not None and before.startswith(("blob:", "data:"))

    level = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="level")).first.locator("select")
    level.select_option(label="member-leader")
    expect(explorer).to_contain_text("watches level ML and claims it", timeout=30_000)
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before], timeout=30_000)
    expect(explorer.locator(".gq-error")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(SHOTS / "lab_notebook_03_explorer.png"))
    sweep = panel.locator(".jp-CodeCell", has_text="sweep_curve(curve").locator(".jp-OutputArea-output img").first
    sweep.scroll_into_view_if_needed()
    sweep.screenshot(path=str(SHOTS / "lab_notebook_03_sweep.png"))
    page.close()
