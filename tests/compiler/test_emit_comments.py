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
