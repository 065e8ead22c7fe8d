"""What every command shares: --vault/--json/--examiner, the passphrase, output, progress.

The command line is a stable contract: exit 0 on success, 1 when a check found
problems, 2 on a usage/input/open error (one clear line, no traceback).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from evidence_store import CancelToken, TokenError, UsageError

# The vault and progress-bar stacks are imported by the functions that use them: a command that opens no
# vault (disk ls, disk info) started 0.09 s sooner without them (measured: 0.22 s -> 0.13 s of CPU).
if TYPE_CHECKING:
    from evidence_store import Vault

    from .terminal import TerminalConsole

F = TypeVar("F", bound=Callable[..., Any])


class _LazyConsole:
    """A :class:`~.terminal.TerminalConsole` made when first used: importing rich is a fifth of a command's
    start-up, and a command writing JSON (``disk ls -r --json``) may never print through it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: TerminalConsole | None = None

    @property
    def console(self) -> TerminalConsole:
        if self._console is None:
            from .terminal import TerminalConsole

            self._console = TerminalConsole(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)

    def __enter__(self) -> TerminalConsole:  # rich's Live and FileProxy write `with console:`
        self.console.__enter__()
        return self.console

    def __exit__(self, *exc: Any) -> None:
        self.console.__exit__(*exc)


out = cast("TerminalConsole", _LazyConsole(soft_wrap=True))  # evidence text with its control characters escaped
err = cast("TerminalConsole", _LazyConsole(stderr=True, soft_wrap=True))


class Options:
    """Per-invocation settings gathered from the group and the command."""

    def __init__(self) -> None:
        self.vault_path: Path | None = None
        self.json = False
        self.examiner: str | None = None


def _store(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        opts = ctx.ensure_object(Options)
        if value not in (None, False):
            setattr(opts, name, value)
        return value

    return callback


def common_options(func: F | None = None, *, examiner: bool = True) -> Any:
    """--vault, --json and --examiner, accepted before or after the sub-command."""
    if func is None:
        return lambda f: common_options(f, examiner=examiner)
    if examiner:
        func = click.option("--examiner", "examiner_opt", expose_value=False, callback=_store("examiner"),
                            help="Whose passphrase this is (checked; default FORENSICS_EXAMINER). You act as the "
                                 "examiner whose passphrase opens the vault.")(func)
    func = click.option("--json", "json_opt", is_flag=True, expose_value=False, callback=_store("json"),
                        help="Machine-readable output.")(func)
    func = click.option("--vault", "vault_opt", type=click.Path(path_type=Path), expose_value=False,
                        callback=_store("vault_path"),
                        help="Vault directory (default: FORENSICS_VAULT, else the user data dir).")(func)
    return func


def options() -> Options:
    return click.get_current_context().ensure_object(Options)


def vault_path() -> Path:
    from ..services.vaults import default_vault_path

    return options().vault_path or default_vault_path()


def read_passphrase(prompt: str = "Vault passphrase", *, env: str = "FORENSICS_PASSPHRASE",
                    confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is None:
        if not sys.stdin.isatty():
            raise UsageError(f"no passphrase: set {env} or run from a terminal to be asked")
        value = str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
        where = "the passphrase typed"
    else:
        where = f"the passphrase in {env}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as surrogates: say so, never echo the secret
        raise UsageError(f"{where} is not valid UTF-8 text (check the terminal's or the script's encoding)") from None
    return value


def read_pin(prompt: str, *, env: str = "FORENSICS_TOKEN_PIN") -> str:
    """A token PIN from ``env`` or typed without echo.

    The variable is taken out of this process's environment as it is read, so no
    child process (browser, proxy, converter) ever inherits the PIN.
    """
    value = os.environ.pop(env, None)
    if value is None:
        if not sys.stdin.isatty():
            raise TokenError(f"no token PIN: set {env} or run from a terminal to be asked")
        value = str(click.prompt(prompt, hide_input=True, default="", show_default=False))
    if not value:
        raise TokenError("no token PIN given")
    return value


@contextmanager
def opened_vault(*, check_witnesses: bool = True) -> Iterator[Vault]:
    """The vault opened with the examiner's passphrase (and, for an examiner who signs on a token, its PIN from
    FORENSICS_TOKEN_PIN or a prompt); a session that wrote is witnessed when it closes."""
    path = vault_path()
    from evidence_store.keyslots import VaultConfig

    from ..services.vaults import open_vault, sign_in_with_token, token_name

    VaultConfig.load(path)  # a clear "not a vault" before asking for a passphrase
    vault = open_vault(path, read_passphrase(), options().examiner, check_witnesses=check_witnesses)
    token = None
    try:
        me = vault.examiner
        if me.token:
            token = sign_in_with_token(vault, read_pin(f"PIN of token {token_name(me)} ({me.name})"))
        yield vault
    except BaseException:
        vault.close(witness=False)
        if token is not None:
            token.close()
        raise
    try:
        vault.close()  # a session that wrote signs its checkpoint here: on the token, for a token examiner
    finally:
        if token is not None:
            token.close()


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def is_json() -> bool:
    return options().json


@contextmanager
def cancellable() -> Iterator[CancelToken]:
    """First Ctrl-C asks the work to stop cleanly; a second one interrupts at once."""
    token = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def handler(_sig: int, _frame: Any) -> None:
        if token.cancelled:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        token.cancel()
        err.print("[yellow]cancelling… (the vault stays consistent)[/]")

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (embedded use): no signal handling
        pass
    try:
        yield token
    finally:
        try:
            signal.signal(signal.SIGINT, previous)
        except ValueError:
            pass


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int | None, str], None]]:
    """A rich byte progress bar on stderr (hidden with --json or without a terminal)."""
    if is_json() or not err.is_terminal:
        yield lambda done, total, name: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                   TimeRemainingColumn(), TextColumn("{task.fields[name]}"), console=cast(_LazyConsole, err).console,
                   transient=True)
    with bar:
        task = bar.add_task(label, total=None, name="")

        def update(done: int, total: int | None, name: str) -> None:
            bar.update(task, completed=done, total=total, name=name[-40:])

        yield update

