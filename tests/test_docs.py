"""docs/how_it_works.md shows the compiler's real, current output."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_how_it_works_page_matches_the_compiler():
    spec = importlib.util.spec_from_file_location("render", ROOT / "docs" / "render_how_it_works.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    page = (ROOT / "docs" / "how_it_works.md").read_text()
    assert page == mod.render(), ("docs/how_it_works.md is stale: run "
                                  "python docs/render_how_it_works.py > docs/how_it_works.md")
