"""A citation in a notebook, clicked in JupyterLab, opens REFERENCES.md at its entry."""

from playwright.sync_api import expect

from .conftest import TOKEN


def test_a_citation_link_opens_the_references_page_at_its_entry(browser, lab_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{lab_url}/lab/tree/notebooks/00_start_here.ipynb?token={TOKEN}&reset", timeout=90_000)
    panel = page.locator(".jp-NotebookPanel").first
    expect(panel).to_be_visible(timeout=60_000)
    link = panel.locator(".jp-RenderedMarkdown a", has_text="Eubanks, Muran & Safran (2018)").first
    link.scroll_into_view_if_needed(timeout=60_000)
    assert "REFERENCES.md" in link.get_attribute("href") and link.get_attribute("href").endswith("#eubanks-2018")
    page.keyboard.press("Escape")  # a kernel dialog, if one is up, would swallow the click
    link.click()

    viewer = page.locator(".jp-MarkdownViewer").first  # JupyterLab opens a .md link in its Markdown preview
    expect(viewer).to_be_visible(timeout=30_000)
    entry = viewer.locator("li", has=page.locator('[data-jupyter-id="eubanks-2018"]')).first
    expect(entry).to_contain_text("Alliance rupture repair: A meta-analysis", timeout=30_000)
    expect(entry).to_be_in_viewport(timeout=30_000)  # the page scrolled to the entry, well down REFERENCES.md
    top = entry.evaluate("e => e.getBoundingClientRect().top")
    assert top < 300, f"the entry should be near the top of the view, not at {top:.0f} px"
    page.close()
