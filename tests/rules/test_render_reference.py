"""docs/RULES.md is generated from the rule table and must not drift from it."""
import pathlib

from ad_compiler.rules.render_reference import render

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "RULES.md"


def test_rules_page_matches_the_table():
    assert PAGE.read_text() == render(), \
        "docs/RULES.md is stale: run  python -m ad_compiler.rules.render_reference > docs/RULES.md"


def test_page_lists_custom_tools_and_policy():
    text = render()
    assert "`np.sin`" in text and "`np.ndarray.sum`" in text and "`np.random.normal`" in text
    assert "stop_gradient" in text and "strong zero" in text
