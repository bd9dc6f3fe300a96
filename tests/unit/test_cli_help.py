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
# Commands whose help is not yet Indonesian (strict: translating one makes its test pass,
# and its mark must go). None left.
NOT_YET: set[tuple[str, ...]] = set()


def _mark(path):
    if path in NOT_YET:
        return pytest.param(path, marks=pytest.mark.xfail(
            strict=True, reason="help text merged in English (issues 17, 24)"))
    return path


def test_every_command_is_listed():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"status", "verify", "agenda", "report", "doctor", "web", "revoke", "extract",
            "audit verify", "audit rebuild", "init", "serve", "demo", "sop"} <= names


@pytest.mark.parametrize("path", [(), *[_mark(p) for p, _ in COMMANDS]], ids=" ".join)
def test_help_is_in_indonesian(path):
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="spt")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Pemakaian: spt"), out
    assert "Tampilkan bantuan ini lalu keluar." in out
    for english in ENGLISH:
        assert english not in out, (english, out)


@pytest.mark.parametrize("path", [_mark(p) if p == ("share",) else p for p, _ in COMMANDS],
                         ids=" ".join)
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


@pytest.mark.parametrize("args, words", [
    (["verify"], "Galat: Argumen BERKAS.pdf belum diberikan."),
    (["status", "--foo"], "Galat: Pilihan --foo tidak dikenal."),
    (["bogus"], "Galat: Perintah 'bogus' tidak dikenal."),
    (["agenda", "--limit", "x"], "Galat: Nilai tidak valid untuk '--limit': 'x' bukan bilangan"),
])
def test_usage_errors_are_in_indonesian_with_click_s_exit_code(args, words):
    result = CliRunner().invoke(main, args, prog_name="spt")
    assert result.exit_code == 2
    assert words in result.output
    assert "Coba 'spt" in result.output and "Error" not in result.output
    assert "Try '" not in result.output


def test_help_and_version_still_exit_zero():
    assert CliRunner().invoke(main, ["--help"], prog_name="spt").exit_code == 0
    version = CliRunner().invoke(main, ["--version"], prog_name="spt")
    assert version.exit_code == 0 and "spt versi" in version.output
