"""Source lines are copied into generated comments character for character."""
import numpy as np

import ad_compiler as adc


def commented(x):
    y = x * 2.0   # café \n tab\t ∂y/∂x — "quoted" 'single'
    return np.sum(y ** 2)  # Ünïcode \\ back \x41


def test_comments_keep_non_ascii_text_and_backslashes():
    g = adc.grad(commented)
    assert np.allclose(g(np.ones(2)), [8.0, 8.0])
    src = g.source
    assert "# line 8: y = x * 2.0   # café \\n tab\\t ∂y/∂x — \"quoted\" 'single'" in src
    assert "# line 9: return np.sum(y ** 2)  # Ünïcode \\\\ back \\x41" in src
    assert "__ad_comment__" not in src
    compile(src, "<generated>", "exec")      # still valid Python


def non_ascii(x):
    größe = x * 2.0  # größe ∂y/∂x
    return np.sum(größe ** 2) * len("äöü")


def test_non_ascii_identifiers_strings_and_comments_survive_emission():
    g = adc.grad(non_ascii)
    assert np.allclose(g(np.ones(2)), [24.0, 24.0])
    src = g.source
    first = non_ascii.__code__.co_firstlineno
    assert f"# line {first + 1}: größe = x * 2.0  # größe ∂y/∂x\n" in src
    assert f"# line {first + 2}: return np.sum(größe ** 2) * len(\"äöü\")\n" in src
    assert f"# adjoint of line {first + 1}: größe = x * 2.0  # größe ∂y/∂x\n" in src
    assert "    größe = x * 2.0\n" in src and "größe_bar" in src
    compile(src, "<generated>", "exec")
