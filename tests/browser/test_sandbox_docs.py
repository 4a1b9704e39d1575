"""The sandbox's API documentation, as a person opens it in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govlearn.sandbox.app import load_blocks


def test_docs_page_lists_every_building_block(
    sqlite_sandbox: Any, page: Any, artifacts: Path
) -> None:
    tags = [block.TAG["name"] for block in load_blocks()]
    assert len(tags) >= 2
    page.goto(f"{sqlite_sandbox.url}/docs", wait_until="networkidle")
    page.wait_for_selector(".opblock-tag", timeout=30_000)
    shown = page.locator(".opblock-tag").all_inner_texts()
    page.screenshot(path=str(artifacts / "sandbox-docs.png"), full_page=False)
    for tag in tags:
        assert any(text.strip().startswith(tag) for text in shown), (tag, shown)
    assert page.locator(".opblock").count() >= 10
    assert page.title().startswith("GovLearn mock GovStack sandbox")
    assert not page.console_errors, page.console_errors
