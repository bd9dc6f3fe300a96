"""The command line's own words in Indonesian: ``Pemakaian:``, ``Pilihan``, ``Perintah``.

click writes its headings, the help option's text and its usage errors in English
(through gettext, with no Indonesian catalogue). Every ``spt`` command and group is
built from these classes, so ``spt --help`` and ``spt status --help`` read like the
rest of the command line, and the top group shows click's usage errors in Indonesian
(``Galat: Argumen BERKAS.pdf belum diberikan.``). The commands' own texts are their
docstrings and ``help=`` strings.
"""

from __future__ import annotations

import re
import sys

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


    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        """As click's, but errors are shown in Indonesian (``Galat: …``) with the same codes."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False,
                                  **extra)
        except click.UsageError as exc:
            if exc.ctx is not None:
                click.echo(exc.ctx.get_usage(), err=True)
                click.echo(f"Coba '{exc.ctx.command_path} --help' untuk bantuan.", err=True)
                click.echo("", err=True)
            click.echo(f"Galat: {indonesian(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Galat: {indonesian(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Dibatalkan.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


# click's usage errors, as it words them (8.x), and how they read in Indonesian.
_ERRORS = (
    (r"Missing argument '(.+)'\.", "Argumen {0} belum diberikan."),
    (r"Missing option '(.+)'\.", "Pilihan {0} wajib diisi."),
    (r"No such option: (.+)", "Pilihan {0} tidak dikenal."),
    (r"No such option '(.+)'\.?(.*)", "Pilihan {0} tidak dikenal.{1}"),
    (r"No such command '(.+)'\.", "Perintah '{0}' tidak dikenal."),
    (r"Option '(.+)' requires an argument\.", "Pilihan {0} memerlukan nilai."),
    (r"Got unexpected extra arguments? \((.+)\)", "Argumen berlebih: {0}"),
    (r"Invalid value for (.+?): (.+)", "Nilai tidak valid untuk {0}: {1}"),
    (r"(?:File|Path|Directory) '(.+)' does not exist\.", "'{0}' tidak ada."),
    (r"(?:File|Path) '(.+)' is a directory\.", "'{0}' adalah folder, bukan berkas."),
    (r"'(.+)' is not a valid integer( range)?\.", "'{0}' bukan bilangan bulat."),
    (r"'(.+)' is not a valid float( range)?\.", "'{0}' bukan bilangan."),
    (r"'(.+)' is not one of (.+)\.", "'{0}' bukan salah satu dari {1}."),
    (r"Did you mean (.+)\?", "Mungkin maksud Anda {0}?"),
)


def indonesian(message: str) -> str:
    """click's English usage error in Indonesian (a message it does not know: unchanged)."""
    for pattern, words in _ERRORS:
        found = re.fullmatch(pattern, message.strip(), flags=re.S)
        if found:
            parts = [indonesian(g) if g and i == 1 else (g or "")
                     for i, g in enumerate(found.groups())]
            return words.format(*parts)
    return message


__all__ = ["HELP_TEXT", "VERSION_TEXT", "Command", "Group", "indonesian"]
