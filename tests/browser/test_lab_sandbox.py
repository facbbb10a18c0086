"""Notebook 07 in JupyterLab, in a real headless Chromium: run all, sweep another rule, move the value, time the new picture."""

import statistics
from pathlib import Path

from playwright.sync_api import expect

from .test_lab import nudge, run_all
from .test_lab_culture import WATCH, timed_change

SHOTS = Path(__file__).parents[2] / "screenshots"


def test_notebook_07_sweep_explorer_follows_rule_level_and_value(browser, lab_url):
    page, panel = run_all(browser, lab_url, "07_research_sandbox.ipynb")

    # every cell ran without an error, and every widget rendered
    expect(panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).to_have_count(0)
    expect(panel).not_to_contain_text("Traceback")
    expect(panel).not_to_contain_text("Error displaying widget")

    SHOTS.mkdir(exist_ok=True)
    panel.locator(".jp-Cell").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "lab_notebook_07.png"))  # the top: title and learning goals

    explorer = panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".gq-sweep-now")).first
    image = explorer.locator(".widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    now = explorer.locator(".gq-sweep-now").first
    expect(now).to_contain_text("below_own_mean, params__drop = 1", timeout=30_000)
    expect(now).to_contain_text("scored on member-group ruptures")
    before = image.get_attribute("src")
    assert before is not None and before.startswith(("blob:", "data:"))
    image.evaluate(WATCH)

    # another rule: its own level, parameter and value, and a new picture
    rule = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="rule")).locator("select").first
    rule.scroll_into_view_if_needed()
    times = [timed_change(page, image, lambda: rule.select_option(label="change"))]
    expect(now).to_contain_text("change, z =", timeout=30_000)
    expect(now).to_contain_text("scored on all ruptures")
    assert image.get_attribute("src") != before

    # the level it watches: the rule then claims it, and is scored on that level's ruptures
    level = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="watches")).locator("select").first
    times.append(timed_change(page, image, lambda: level.select_option(label="member-leader")))
    expect(now).to_contain_text("It watches level ML and claims it", timeout=30_000)
    expect(now).to_contain_text("scored on member-leader ruptures")

    # the value, one keyboard step at a time: only the marks move, each a new picture
    value = explorer.locator(".widget-slider", has=page.locator("label", has_text="value")).first
    shown = now.get_attribute("data-value")
    for _ in range(3):
        times.append(timed_change(page, image, lambda: nudge(page, value, "ArrowRight")))
    expect(now).not_to_have_attribute("data-value", shown or "", timeout=30_000)

    # back to your own rule, with a wider window
    rule.select_option(label="below_own_mean (yours)")
    expect(now).to_contain_text("below_own_mean, params__drop = 1", timeout=30_000)
    window = explorer.locator(".widget-slider", has=page.locator("label", has_text="window k")).first
    times.append(timed_change(page, image, lambda: nudge(page, window, "ArrowRight")))
    expect(now).to_contain_text("window 0-4", timeout=30_000)
    expect(explorer.locator(".gq-error")).to_have_count(0)
    print(f"notebook 07 explorer, change to new picture in the browser: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms over {len(times)} changes ({', '.join(f'{t:.0f}' for t in times)})")

    page.set_viewport_size({"width": 1400, "height": 1300})  # the whole explorer, clear of the status bar
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(SHOTS / "lab_notebook_07_explorer.png"))
    curves = panel.locator(".jp-CodeCell", has_text="builtin_curve = sweep(").locator(".jp-OutputArea-output img").first
    curves.scroll_into_view_if_needed()
    curves.screenshot(path=str(SHOTS / "lab_notebook_07_sweep.png"))
    page.close()
