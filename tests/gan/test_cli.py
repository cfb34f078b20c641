"""Tests of the ``python -m gan`` dispatcher (gan.cli): every registered command answers --help."""

from __future__ import annotations

import importlib

import pytest

from gan.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_module_has_the_protocol_and_answers_help(name, capsys):
    module = importlib.import_module(COMMANDS[name][0])
    assert callable(module.add_arguments) and callable(module.run)
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    assert f"python -m gan {name}" in capsys.readouterr().out


def test_unknown_and_missing_commands(capsys):
    assert main(["nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'nope'" in err and all(name in err for name in COMMANDS)
    assert main([]) == 2  # usage printed, error status
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
