"""Notebook 08 in JupyterLab, in a real headless Chromium: run all, move the round-robin explorer's controls, time the new picture."""

import statistics
from pathlib import Path

from playwright.sync_api import expect

from .test_lab import nudge, run_all
from .test_lab_culture import WATCH, timed_change

SHOTS = Path(__file__).parents[2] / "screenshots"


def test_notebook_08_round_robin_explorer_follows_session_pair_and_item(browser, lab_url):
    page, panel = run_all(browser, lab_url, "08_who_with_whom.ipynb")

    # every cell ran without an error, and every widget rendered
    expect(panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).to_have_count(0)
    expect(panel).not_to_contain_text("Traceback")
    expect(panel).not_to_contain_text("Error displaying widget")
    expect(panel.locator(".jp-Cell", has_text="For the instructor").locator(".jp-OutputArea-output")).to_contain_text("exercise 1: m03 and m06")

    SHOTS.mkdir(exist_ok=True)
    panel.locator(".jp-Cell").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "lab_notebook_08.png"))  # the top: title and learning goals

    explorer = panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".gq-srm-status")).first
    image = explorer.locator(".widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    status = explorer.locator(".gq-srm-status").first
    expect(status).to_have_attribute("data-state", "open", timeout=30_000)
    expect(status).to_contain_text("the rupture between m02 and m05")
    expect(explorer.locator('.gq-srm-rank[data-pair="m02>m05"]')).to_have_text("1")
    before = image.get_attribute("src")
    assert before is not None and before.startswith(("blob:", "data:"))
    image.evaluate(WATCH)

    # the session, one keyboard step at a time: back before the onset, then forward again
    session = explorer.locator(".widget-slider", has=page.locator("label", has_text="session")).first
    times = [timed_change(page, image, lambda: nudge(page, session, "ArrowLeft")) for _ in range(2)]
    expect(session.locator(".widget-readout")).to_have_text("4", timeout=30_000)
    expect(status).to_have_attribute("data-state", "before", timeout=30_000)
    assert image.get_attribute("src") != before
    times += [timed_change(page, image, lambda: nudge(page, session, "ArrowRight")) for _ in range(3)]
    expect(session.locator(".widget-readout")).to_have_text("10", timeout=30_000)
    expect(status).to_have_attribute("data-state", "open", timeout=30_000)

    # another pair: the strained member m03 (m05 stays the other member)
    strained = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="strained")).locator("select").first
    strained.scroll_into_view_if_needed()
    times.append(timed_change(page, image, lambda: strained.select_option(label="m03")))
    expect(status).to_contain_text("the rupture between m03 and m05", timeout=30_000)
    other = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="with")).locator("select").first
    expect(other.locator("option", has_text="m03")).to_have_count(0)  # no one is strained with themself

    # the conflict items, and a larger shock
    item = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="item")).locator("select").first
    times.append(timed_change(page, image, lambda: item.select_option(label="conflict (mean of its items)")))
    shock = explorer.locator(".widget-slider", has=page.locator("label", has_text="shock")).first
    times += [timed_change(page, image, lambda: nudge(page, shock, "ArrowRight")) for _ in range(2)]
    expect(shock.locator(".widget-readout")).to_have_text("2.50", timeout=30_000)
    expect(explorer.locator(".gq-srm-what")).to_contain_text("relationship effects", timeout=30_000)
    expect(explorer.locator(".gq-error")).to_have_count(0)
    print(f"notebook 08 explorer, change to new picture in the browser: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms over {len(times)} changes ({', '.join(f'{t:.0f}' for t in times)})")

    page.set_viewport_size({"width": 1400, "height": 1300})  # the whole explorer, clear of the status bar
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(SHOTS / "lab_notebook_08_explorer.png"))
    for name, marker in (("matrices", "round_robin_matrix(rr, session=session"), ("decomposition", 'srm_decomposition(rr, session=8, item="bond")'),
                         ("twins", "m02 withdraws from {other} at session 6"), ("mystery", "mystery = srm_mystery()")):  # fmt: skip
        figure = panel.locator(".jp-CodeCell", has_text=marker).locator(".jp-OutputArea-output img").first
        figure.scroll_into_view_if_needed()
        figure.screenshot(path=str(SHOTS / f"lab_notebook_08_{name}.png"))
    tables = panel.locator(".jp-CodeCell", has_text="what the rupture did").locator(".jp-OutputArea-output").first
    tables.scroll_into_view_if_needed()
    tables.screenshot(path=str(SHOTS / "lab_notebook_08_counterfactual.png"))
    rules = panel.locator(".jp-CodeCell", has_text="compare_dyad_rules(dyad_cohort").locator(".jp-OutputArea-output").first
    rules.scroll_into_view_if_needed()
    rules.screenshot(path=str(SHOTS / "lab_notebook_08_rules.png"))
    page.close()
