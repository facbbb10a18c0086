"""Notebooks 01, 02 and 04 in JupyterLab, in a real headless Chromium: run all, use a control, see the result change."""

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from .conftest import TOKEN

SHOTS = Path(__file__).parents[2] / "screenshots"

KERNEL_READY = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && w.sessionContext.isReady && k.connectionStatus === 'connected' && k.status === 'idle';
}"""


ALL_RUN = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    const done = w.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
    return done && w.sessionContext.session.kernel.status === 'idle';
}"""


def run_all(browser, lab_url: str, notebook: str):
    """Open a notebook in JupyterLab, wait for its kernel, run every cell and wait until all ran; return (page, notebook panel).

    Waiting for the last cell matters: a control's change waits in the kernel's queue behind
    slow cells (notebook 02's calibration), which on a busy machine outlasts a check's timeout.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab_url}/lab/tree/notebooks/{notebook}?token={TOKEN}&reset", timeout=90_000)
    panel = page.locator(".jp-NotebookPanel").first
    expect(panel).to_be_visible(timeout=60_000)
    page.wait_for_function(KERNEL_READY, timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(ALL_RUN, timeout=240_000, polling=500)
    return page, panel


def run_in_kernel(page: Page, code: str) -> None:
    """Run code in the open notebook's kernel, as a cell would, without adding one."""
    page.evaluate(
        """async (code) => {
            const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            await kernel.requestExecute({code}).done;
        }""",
        code,
    )


def nudge(page: Page, slider: Locator, key: str, times: int = 1) -> None:
    """Move a slider by keyboard steps, as a learner does after clicking its handle."""
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)


def type_into(box: Locator, value: int) -> None:
    """Type a number into a text box and press Enter, as a learner does."""
    box.fill(str(value))
    box.press("Enter")


def test_notebook_01_widget_updates_the_score(browser, lab_url):
    page, panel = run_all(browser, lab_url, "01_the_group_questionnaire.ipynb")

    table = panel.locator(".jp-OutputArea table.gq-scores").first
    expect(table).to_be_visible(timeout=90_000)
    pb_all = table.locator('td[data-scale="PB"][data-level="all"]')
    expect(pb_all).to_have_text("5.38", timeout=30_000)  # Ana's PB score, as computed in the notebook

    # the first slider of the first tab is the first PB member-member item; one step right = one point up
    nudge(page, panel.locator(".jp-OutputArea .widget-tab .widget-slider").first, "ArrowRight")
    expect(pb_all).not_to_have_text("5.38", timeout=30_000)
    expect(pb_all).to_have_text(f"{(70 + 1) / 13:.2f}", timeout=30_000)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "lab_notebook_01.png"))
    page.close()


def test_notebook_02_simulation_explorer_redraws_and_says_what_is_wrong(browser, lab_url):
    page, panel = run_all(browser, lab_url, "02_simulating_a_group.ipynb")

    image = panel.locator(".jp-OutputArea .widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    before = image.get_attribute("src")
    assert before is not None and before.startswith(("blob:", "data:"))
    truth = panel.locator(".jp-OutputArea .widget-html", has_text="What really happened").first
    expect(truth).to_contain_text("withdrawal", timeout=30_000)
    kind = panel.locator(".jp-OutputArea .widget-dropdown select").nth(1)  # level, then type
    kind.scroll_into_view_if_needed()
    kind.select_option("confrontation")
    expect(truth).to_contain_text("confrontation", timeout=30_000)
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before], timeout=30_000)
    SHOTS.mkdir(exist_ok=True)
    image.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "lab_notebook_02.png"))

    explorer = panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".widget-image")).first
    seed = explorer.locator(".widget-text", has=page.locator("label", has_text="seed")).locator("input").first
    seed.scroll_into_view_if_needed()
    type_into(seed, -3)
    expect(seed).to_have_value("0", timeout=30_000)  # the box itself keeps seeds at 0 or more
    expect(explorer.locator(".gq-error")).to_have_count(0)
    run_in_kernel(page, 'explorer.controls["seed"].min = -10')  # as if the box still let a negative seed through
    type_into(seed, -3)
    warning = explorer.locator(".gq-error")
    expect(warning).to_contain_text("seed = -3 is not allowed: expected", timeout=60_000)
    expect(warning).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1500})  # the whole explorer, clear of the status bar
    explorer.screenshot(path=str(SHOTS / "widget_message.png"))
    before = image.get_attribute("src")
    type_into(seed, 4)  # the next valid change clears the message and redraws
    expect(warning).to_have_count(0, timeout=60_000)
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before], timeout=30_000)

    def change(action, shot: str) -> None:
        """Use a control, wait for the new picture, keep a screenshot of the explorer (to look at: titles, colour bar, legends, marks)."""
        old = image.get_attribute("src")
        action()
        page.wait_for_function("([el, old]) => el.getAttribute('src') !== old && el.complete", arg=[image.element_handle(), old], timeout=30_000)
        expect(explorer.locator(".gq-error")).to_have_count(0)
        explorer.screenshot(path=str(SHOTS / shot))

    # the bystander lesson of section 3: a member-member confrontation, unrepaired, on Negative Relationship (dark = worse)
    run_in_kernel(page, 'explorer.controls["severity"].value = 3.0')
    change(lambda: explorer.locator(".widget-dropdown select").nth(0).select_option("member-member"), "lab_notebook_02_mm.png")
    change(lambda: explorer.locator(".widget-checkbox", has_text="repaired").locator("input").click(), "lab_notebook_02_unrepaired.png")
    change(lambda: explorer.locator(".widget-toggle-buttons button", has_text="negative (NR)").click(), "lab_notebook_02_nr_confrontation.png")
    expect(truth).not_to_contain_text("repair", timeout=30_000)
    change(lambda: explorer.locator(".widget-dropdown select").nth(1).select_option("withdrawal"), "lab_notebook_02_nr_withdrawal.png")
    expect(truth).to_contain_text("withdrawal", timeout=30_000)
    page.close()


def test_notebook_04_repair_explorer_redraws_on_quality(browser, lab_url):
    page, panel = run_all(browser, lab_url, "04_repair_and_outcomes.ipynb")

    image = panel.locator(".jp-OutputArea .widget-image").first
    expect(image).to_be_visible(timeout=120_000)
    summary = panel.locator(".jp-OutputArea .gq-repair-summary").first
    expect(summary).to_contain_text("quality 0.80", timeout=30_000)
    before_src, before_text = image.get_attribute("src"), summary.inner_text()
    assert before_src is not None and before_src.startswith(("blob:", "data:"))
    quality = panel.locator(".jp-OutputArea .widget-slider", has=page.locator("label", has_text="quality")).first
    nudge(page, quality, "ArrowLeft", 4)  # step 0.05: 0.80 -> 0.60
    expect(summary).to_contain_text("quality 0.60", timeout=30_000)
    assert summary.inner_text() != before_text
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before_src], timeout=30_000)
    expect(panel.locator(".jp-OutputArea .gq-error")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    image.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "lab_notebook_04.png"))
    panel.locator(".jp-OutputArea .widget-vbox", has=page.locator(".widget-image")).first.screenshot(path=str(SHOTS / "lab_notebook_04_explorer.png"))
    page.close()
