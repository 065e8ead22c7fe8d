"""The CLI's consoles are made on first use (rich is a fifth of a command's start-up): they still serve
everything rich does with a console, as the progress bars of `index`, `capture` and `disk` use them."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any, cast

from rich.progress import Progress

from forensics_app.cli import common


def test_rich_progress_and_print_through_the_lazy_console() -> None:
    console = common._LazyConsole(file=io.StringIO(), soft_wrap=True)
    with Progress(console=cast(Any, console), transient=True) as bar:  # rich writes `with console:`
        task = bar.add_task("hashing", total=2)
        bar.update(task, completed=2)
    console.print("done \x1b[8m")
    assert console.file.getvalue().endswith("done \\x1b[8m\n")  # the TerminalConsole's escaping


def test_disk_ls_starts_without_rich() -> None:
    code = ("import sys; from forensics_app.cli.main import main; "
            "main(['disk', 'ls', '--help']); assert 'rich' not in sys.modules, 'rich imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
