"""Graph → Graph transformations: simplify, activity, reverse mode."""
