"""Sphinx configuration for the gaussiso / gan documentation.

Build (no network needed): ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

import os
import sys

# The packages are installed editable in the project's virtual environment; the path entry
# only helps a build run from a checkout that was not installed.
sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "gaussiso"
author = "gaussiso contributors"
copyright = "2026, gaussiso contributors"

try:
    import gaussiso

    release = gaussiso.__version__
except Exception:  # pragma: no cover - the build reports the import error through autodoc
    release = "0.1.0"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# MyST: $...$ and $$...$$ maths, ::: fences, heading anchors for cross-page links.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc / numpydoc: document what each package exports, in source order; no member tables
# (they would duplicate the autodoc entries and create stub pages).
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# No intersphinx: the build must run without network.
nitpicky = False

html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {
    "description": "Gaussian isoperimetry for the latent space of push-forward generative models",
    "fixed_sidebar": True,
}
html_title = "gaussiso"
