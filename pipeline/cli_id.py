"""The command line's own words in Indonesian: ``Pemakaian:``, ``Pilihan``, ``Perintah``.

click writes its headings and the help option's text in English (through gettext,
with no Indonesian catalogue). Every ``spt`` command and group is built from these
classes, so ``spt --help`` and ``spt status --help`` read like the rest of the
command line. The commands' own texts are their docstrings and ``help=`` strings.
"""

from __future__ import annotations

import click

HELP_TEXT = "Tampilkan bantuan ini lalu keluar."
VERSION_TEXT = "Tampilkan versi lalu keluar."


class _Indonesian:
    """Indonesian headings for a click command (mixed in before the click class)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[PILIHAN]")
        super().__init__(*args, **kwargs)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Pemakaian: ")

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [r for p in self.get_params(ctx)
                   if isinstance(p, click.Option) and (r := p.get_help_record(ctx))]
        if records:
            with formatter.section("Pilihan"):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                commands.append((name, cmd))
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        with formatter.section("Perintah"):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])


class Command(_Indonesian, click.Command):
    """A ``spt`` command with Indonesian help headings."""


class Group(_Indonesian, click.Group):
    """A ``spt`` command group with Indonesian help headings."""

    command_class = Command
    group_class = type  # subgroups are built with this very class

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "PERINTAH [ARGUMEN]...")
        super().__init__(*args, **kwargs)


__all__ = ["HELP_TEXT", "VERSION_TEXT", "Command", "Group"]
