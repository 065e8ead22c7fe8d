"""age encryption of capture bundles, streamed, by pyrage (the Python binding of rage, the Rust age).

Capture bundles travel from workers to the desk through a shared staging folder; they are sealed to the desk's
public key so that the folder, its backups and whoever administers it hold only ciphertext. The format is age
v1 (https://age-encryption.org/v1), so an examiner can open a bundle with the standard ``age`` tool
(``age -d -i desk.key bundle.age | tar -t``); the tests check this against Debian's ``age``.

pyrage streams between two file objects (``encrypt_io(src, dst)``); the bundle writer pushes a tar into a file
and the desk pulls a tar out of one, so each direction runs pyrage on a thread joined by a small bounded queue:
memory stays bounded whatever the size. Keys are age's text (``age1…`` recipient, ``AGE-SECRET-KEY-1…``
identity).
"""

from __future__ import annotations

import atexit
import io
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

import pyrage

from .errors import IntegrityError, UsageError

CHUNK = 64 * 1024  # age's STREAM chunk: damage is found (and reported) one chunk at a time
TAG = 16
_DEPTH = 8  # pieces in flight between pyrage's thread and the caller
_EOF = object()


class AgeError(IntegrityError):
    """An age file that cannot be opened: not age, not for these keys, or changed after it was sealed.

    ``plaintext_offset`` is where in the payload the damage was found (None for the header), so that a
    container can name the file the damaged bytes belong to."""

    def __init__(self, message: str, plaintext_offset: int | None = None) -> None:
        super().__init__(message, message_vi=f"không mở được tệp mã hoá age: {message}")
        self.plaintext_offset = plaintext_offset


# -- keys ----------------------------------------------------------------------------------------------------------
def new_identity() -> tuple[str, str]:
    """A fresh (identity, recipient) pair: ``AGE-SECRET-KEY-1…``, ``age1…``."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def public_of(identity: str) -> str:
    """The recipient (``age1…``) of an identity."""
    return str(pyrage.x25519.Identity.from_str(identity).to_public())


def parse_recipient(text: str) -> str:
    """A checked ``age1…`` recipient (a UsageError naming what is wrong)."""
    try:
        return str(pyrage.x25519.Recipient.from_str(text.strip()))
    except (pyrage.RecipientError, ValueError) as exc:
        raise UsageError(f"{text[:20]}… is not an age X25519 recipient (age1…)",
                         message_vi=f"{text[:20]}… không phải khoá nhận age X25519 (age1…)") from exc


def parse_identity(text: str) -> str:
    """A checked ``AGE-SECRET-KEY-1…`` identity."""
    try:
        return str(pyrage.x25519.Identity.from_str(text.strip()))
    except (pyrage.IdentityError, ValueError) as exc:
        raise UsageError("this is not an age X25519 identity (AGE-SECRET-KEY-1…)",
                         message_vi="đây không phải khoá bí mật age X25519 (AGE-SECRET-KEY-1…)") from exc


# -- the queue between pyrage's thread and the caller ---------------------------------------------------------------
class _Stopped(Exception):
    """The other side went away (closed early): pyrage's thread is unwound by this."""


class _Pipe:
    """A bounded queue of byte pieces with end-of-file and an error, which either side can abandon."""

    def __init__(self) -> None:
        self.pieces: queue.Queue[Any] = queue.Queue(_DEPTH)
        self.stopped = threading.Event()
        self.pending = b""

    def put(self, piece: Any) -> None:
        while not self.stopped.is_set():
            try:
                self.pieces.put(piece, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def get(self) -> Any:
        while True:
            try:
                return self.pieces.get(timeout=0.2)
            except queue.Empty:
                if self.stopped.is_set():
                    return _EOF

    def stop(self) -> None:
        self.stopped.set()
        while True:  # unblock a thread waiting to put
            try:
                self.pieces.get_nowait()
            except queue.Empty:
                return


class _PipeSource(io.RawIOBase):
    """What pyrage reads from when sealing: the pieces the caller writes."""

    def __init__(self, pipe: _Pipe) -> None:
        super().__init__()
        self.pipe = pipe

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.pipe.pending:
            piece = self.pipe.get()
            if piece is _EOF:
                return 0
            self.pipe.pending = piece
        size = min(len(buffer), len(self.pipe.pending))
        buffer[:size] = self.pipe.pending[:size]
        self.pipe.pending = self.pipe.pending[size:]
        return size


class _PipeSink(io.RawIOBase):
    """What pyrage writes to when opening: each verified piece goes to the caller."""

    def __init__(self, pipe: _Pipe) -> None:
        super().__init__()
        self.pipe = pipe
        self.delivered = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        piece = bytes(data)
        if piece:
            self.pipe.put(piece)
            self.delivered += len(piece)
        return len(piece)


_running: dict[threading.Thread, _Pipe] = {}
_running_lock = threading.Lock()


def _thread(work: Callable[[], None], pipe: _Pipe, errors: list[BaseException], name: str) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except _Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            errors.append(exc)
        finally:
            try:
                pipe.put(_EOF)
            except _Stopped:
                pass
            with _running_lock:
                _running.pop(threading.current_thread(), None)

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _running_lock:
        _running[thread] = pipe
    thread.start()
    return thread


@atexit.register
def _stop_running() -> None:
    """Before the interpreter finalises: a pyrage thread left waiting inside rage (a reader abandoned after a
    refusal) would be ended by unwinding through Rust frames, which aborts the whole process (exit 134 after
    every test had passed). Stop each pipe so rage returns, then let the threads finish."""
    with _running_lock:
        running = list(_running.items())
    for pipe in [pipe for _thread, pipe in running]:
        pipe.stop()
    for thread in [thread for thread, _pipe in running]:
        thread.join(5)


# -- sealing ---------------------------------------------------------------------------------------------------------
class AgeWriter(io.RawIOBase):
    """Write plaintext; the age file goes to ``sink`` (closing this writes the last chunk; the sink stays open)."""

    def __init__(self, sink: BinaryIO | io.RawIOBase, recipients: Sequence[str]) -> None:
        super().__init__()
        if not recipients:
            raise UsageError("an age file needs at least one recipient", message_vi="tệp age cần ít nhất một khoá nhận")
        parsed = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
        self._pipe = _Pipe()
        self._errors: list[BaseException] = []
        self._thread = _thread(lambda: pyrage.encrypt_io(_PipeSource(self._pipe), sink, parsed), self._pipe,
                               self._errors, "age-seal")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._raise()
        piece = bytes(data)
        if piece:
            try:
                self._pipe.put(piece)
            except _Stopped:
                self._raise()
                raise
        return len(piece)

    def _raise(self) -> None:
        if self._errors:
            raise self._errors[0]

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._pipe.put(_EOF)
            self._thread.join()
            self._raise()
        finally:
            self._pipe.stop()
            super().close()


# -- opening ---------------------------------------------------------------------------------------------------------
class AgeReader(io.RawIOBase):
    """Read the plaintext of an age file, authenticated chunk by chunk; a wrong key is found on opening,
    damage or truncation when the reader reaches it (:class:`AgeError` with the plaintext offset)."""

    def __init__(self, source: BinaryIO | io.RawIOBase, identities: Sequence[str]) -> None:
        super().__init__()
        parsed = [pyrage.x25519.Identity.from_str(i) for i in identities]
        self._pipe = _Pipe()
        self._sink = _PipeSink(self._pipe)
        self._errors: list[BaseException] = []
        self._position = 0
        self._done = False
        self._thread = _thread(lambda: pyrage.decrypt_io(source, self._sink, parsed), self._pipe, self._errors,
                               "age-open")
        self._pending = self._next()  # the header is read now: a file for other keys is refused on opening

    def _next(self) -> bytes:
        piece = self._pipe.get()
        if piece is not _EOF:
            return bytes(piece)
        self._done = True
        if self._errors:
            raise self._error(self._errors[0])
        return b""

    def _error(self, exc: BaseException) -> AgeError:
        if isinstance(exc, pyrage.DecryptError):  # the header: no stanza opens with these keys, or not age at all
            if "no matching keys" in str(exc).lower():
                return AgeError("it is not sealed to this desk's keys (no recipient stanza opens with them)")
            return AgeError(f"it is not an age file ({exc})")
        return AgeError(f"the sealed bytes were changed or cut short after sealing (chunk at plaintext byte "
                        f"{self._position} does not authenticate: {exc})", plaintext_offset=self._position)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        if not self._pending and not self._done:
            self._pending = self._next()
        data, self._pending = self._pending[:size], self._pending[size:]
        self._position += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def position(self) -> int:
        """Plaintext bytes handed out so far."""
        return self._position

    def finish(self) -> None:
        """Read to the end, so the last chunk (and that nothing follows it) is checked."""
        while self.read(1 << 20):
            pass

    def close(self) -> None:
        if not self.closed:
            self._pipe.stop()
            self._thread.join(30)
        super().close()
