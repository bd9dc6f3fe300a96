"""``--help`` speaks Indonesian like the rest of the command line, for every command."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import main

ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message", "Show the version",
           "default:", "[OPTIONS]", "COMMAND [ARGS]")


def every_command(group: click.Group, ctx: click.Context, path=()):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from every_command(cmd, click.Context(cmd, parent=ctx), (*path, name))


COMMANDS = list(every_command(main, click.Context(main)))


def test_every_command_is_listed():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"status", "verify", "agenda", "report", "doctor", "web", "revoke", "extract",
            "audit verify", "audit rebuild", "init", "serve", "demo", "sop"} <= names


@pytest.mark.parametrize("path", [(), *[p for p, _ in COMMANDS]], ids=" ".join)
def test_help_is_in_indonesian(path):
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="spt")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Pemakaian: spt"), out
    assert "Tampilkan bantuan ini lalu keluar." in out
    for english in ENGLISH:
        assert english not in out, (english, out)


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_option_says_what_it_does(path):
    ctx = click.Context(main)
    cmd: click.Command = main
    for name in path:
        cmd = cmd.get_command(ctx, name)
        ctx = click.Context(cmd, parent=ctx)
    assert cmd.help, path
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert param.help, (path, param.name)
