"""Every `onefunnel` command explains itself with examples."""

import pytest

from orchestration.cli import build_parser, main

COMMANDS = ["run", "generate", "rollback", "import", "docs", "ui", "demo"]


def test_every_command_is_listed():
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command")
    assert sorted(subcommands.choices) == sorted(COMMANDS)


@pytest.mark.parametrize("command", [*COMMANDS, "import olist"])
def test_help_has_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command.split(), "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert f"onefunnel {command}" in out


def test_generation_reports_its_progress(tmp_path):
    from orchestration.lib.generator import generate

    said: list[str] = []
    generate(tmp_path / "landing", leads=50, months=1, seed=1, progress=said.append)
    assert said[0] == "drawing users and leads"
    assert "writing crm/leads" in said and "writing payments/payments" in said
