"""numpydoc validation of the public API's docstrings (parameters, returns, presence).

Every function and class named in ``__all__`` of the public modules below is run through
``numpydoc.validate.validate``; the test fails with one readable line per problem on the checks

- PR01: a parameter of the signature is not documented,
- PR02: a documented parameter is not in the signature,
- PR10: a parameter's ``name : type`` lacks the space before the colon,
- RT02: the first line of a Returns entry holds more than its type,
- GL08: the object has no docstring.

Rule for record classes: a dataclass or a NamedTuple documents its fields in an ``Attributes``
section (they are what a reader uses), not in ``Parameters``. For those classes PR01 is replaced
by the check that every public field (name not starting with ``_``) appears in the Attributes or
the Parameters section.
"""

import dataclasses
import importlib
import importlib.util
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")

MODULES = [
    "gaussiso",
    "gaussiso.bounds",
    "gaussiso.modes",
    "gaussiso.planar",
    "gaussiso.utils",
    "gaussiso.testing",
    "gaussiso.plotting",
    "gan.analysis",
    "gan.latents",
    "gan.metrics",
    "gan.data",
    "gan.training",
    "gan.sweep",
    "gan.optimal",
    "gan.classifier",
    "gan.runs",
]

CHECKS = {"PR01", "PR02", "PR10", "RT02", "GL08"}


def _public_objects():
    """Yield ``(public name, object)`` for every function and class in the modules' ``__all__``."""
    seen = set()
    for module_name in MODULES:
        if module_name.startswith("gan") and importlib.util.find_spec("torch") is None:
            continue  # torch is optional: without it only the gaussiso API is checked
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            full = f"{obj.__module__}.{obj.__qualname__}"
            if full in seen:
                continue
            seen.add(full)
            yield f"{module_name}.{name}", full, obj


def _is_record(obj):
    """True for dataclasses and NamedTuples (classes whose fields are their parameters)."""
    return inspect.isclass(obj) and (
        dataclasses.is_dataclass(obj) or (issubclass(obj, tuple) and hasattr(obj, "_fields"))
    )


def _record_fields(obj):
    """Public field names of a dataclass or a NamedTuple."""
    if dataclasses.is_dataclass(obj):
        names = [f.name for f in dataclasses.fields(obj)]
    else:
        names = list(obj._fields)
    return [n for n in names if not n.startswith("_")]


def _documented_names(obj, sections=("Attributes", "Parameters")):
    """Names listed in the given sections of the object's numpydoc docstring."""
    doc = docscrape.ClassDoc(obj, config={"show_class_members": False})
    names = set()
    for section in sections:
        for entry in doc[section]:
            for part in entry.name.split(","):
                names.add(part.strip().lstrip("*"))
    return names


def _problems(full, obj):
    """The list of ``(code, message)`` problems of one object on the checked codes."""
    # Validate the object itself (not its dotted name): hypothesis strategies built with
    # ``@st.composite`` inside a function are public objects without an importable qualname.
    result = numpydoc_validate.validate(numpydoc_validate.get_doc_object(obj))
    errors = [(code, msg) for code, msg in result["errors"] if code in CHECKS]
    if _is_record(obj):
        errors = [(code, msg) for code, msg in errors if code != "PR01"]
        if obj.__doc__:
            missing = [f for f in _record_fields(obj) if f not in _documented_names(obj)]
            if missing:
                errors.append(("PR01", f"Fields {missing} are in neither Attributes nor Parameters"))
    return errors


def test_public_api_docstrings():
    checked = 0
    report = []
    for public, full, obj in _public_objects():
        checked += 1
        try:
            errors = _problems(full, obj)
        except Exception as exc:  # a docstring numpydoc cannot parse is a problem too
            errors = [("ERR", f"numpydoc could not validate it: {exc!r}")]
        if errors:
            report.extend(f"{public} ({full}): {code} {msg}" for code, msg in errors)
    assert checked > 50, f"only {checked} public objects found; is __all__ populated?"
    assert not report, f"{len(report)} docstring problems:\n" + "\n".join(report)
