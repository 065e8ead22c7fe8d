"""ChaCha20-Poly1305 (RFC 8439) from OpenSSL's libcrypto, called without holding the GIL.

Why: a large ingest shares its work between threads (``blobs._Pipeline``), and ``cryptography`` 45 keeps the
GIL while its ChaCha20-Poly1305 encrypts (released from 46 on, which warcprox 2.13.1's ``cryptography<46`` pin
keeps out of the web capture's environment): while one thread encrypts a segment, the other cannot start its
next task. A ctypes call releases the GIL for as long as the C function runs, and the libcrypto that Python's
own ``hashlib`` is linked to (OpenSSL 3, Debian's libssl3) has the same ChaCha20-Poly1305 code as the OpenSSL
inside ``cryptography``'s wheel: measured here 0.155 s of CPU per 512 MiB against cryptography's 0.151 s.
libsodium (PyNaCl) releases the GIL too, but took 0.39 s for the same bytes on this CPU (no AVX-512 code):
more CPU than the GIL costs.

The construction is cryptography's ``ChaCha20Poly1305.encrypt(nonce, data, None)``: a 12-byte nonce, no
associated data, the 16-byte tag after the ciphertext. Before first use, :func:`load` encrypts messages of
several lengths with both and keeps this path only if every byte agrees; no OpenSSL 3 libcrypto (a platform
without one), or any disagreement, and :func:`load` gives None: the caller keeps cryptography's AEAD.
Only encryption is here: reading back and verify decrypt with cryptography, one thread each.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import Any

TAG_SIZE = 16
KEY_SIZE = 32
NONCE_SIZE = 12
_CTRL_AEAD_GET_TAG = 0x10  # EVP_CTRL_AEAD_GET_TAG
_OPENSSL_3 = 0x30000000
_LIBRARY_NAMES = {"linux": ("libcrypto.so.3",), "darwin": ("libcrypto.3.dylib",),
                  "win32": ("libcrypto-3-x64.dll", "libcrypto-3.dll")}


class ChaCha20Poly1305NoGil:
    """Encrypts with one key; each call is independent, so threads may share it."""

    def __init__(self, key: bytes, lib: _LibCrypto) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError("ChaCha20-Poly1305 takes a 32-byte key")
        self._key = key
        self._lib = lib

    def encrypt(self, nonce: bytes, data: bytes, start: int = 0, end: int | None = None) -> bytes:
        """``data[start:end]`` encrypted, its tag after it (read from ``data`` in place, without a copy)."""
        end = len(data) if end is None else end
        if (not isinstance(data, bytes) or len(nonce) != NONCE_SIZE or not 0 <= start <= end <= len(data)
                or end - start > 1 << 30):
            raise ValueError("a 12-byte nonce and a slice of a bytes object (at most 1 GiB) are needed")
        return self._lib.encrypt(self._key, nonce, data, start, end - start)


class _LibCrypto:
    """The few libcrypto functions one encryption needs, typed for ctypes."""

    def __init__(self, library: ctypes.CDLL) -> None:
        c_int, c_void_p, c_char_p = ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p
        int_p = ctypes.POINTER(c_int)
        self._new = _typed(library.EVP_CIPHER_CTX_new, c_void_p, ())
        self._free = _typed(library.EVP_CIPHER_CTX_free, None, (c_void_p,))
        self._init = _typed(library.EVP_EncryptInit_ex, c_int, (c_void_p, c_void_p, c_void_p, c_char_p, c_char_p))
        self._update = _typed(library.EVP_EncryptUpdate, c_int, (c_void_p, c_void_p, int_p, c_void_p, c_int))
        self._final = _typed(library.EVP_EncryptFinal_ex, c_int, (c_void_p, c_void_p, int_p))
        self._ctrl = _typed(library.EVP_CIPHER_CTX_ctrl, c_int, (c_void_p, c_int, c_int, c_void_p))
        self._cipher = _typed(library.EVP_chacha20_poly1305, c_void_p, ())()
        if not self._cipher:
            raise OSError("this libcrypto has no ChaCha20-Poly1305")
        self.version: str = _typed(library.OpenSSL_version, c_char_p, (c_int,))(0).decode("ascii", "replace")

    def encrypt(self, key: bytes, nonce: bytes, data: bytes, start: int, length: int) -> bytes:
        # A new bytes object, filled here before anyone sees it (as C code fills the uninitialised bytes that
        # PyBytes_FromStringAndSize(NULL, n) gives): no 1 MiB of zeros written first for every segment.
        out = _new_bytes(None, length + TAG_SIZE)
        target = _address(out)
        source = _address(data) + start  # read in place; ``data`` is immutable and kept alive by the caller
        done, final = ctypes.c_int(), ctypes.c_int()
        context = self._new()
        if not context:
            raise MemoryError("libcrypto could not make a cipher context")
        try:
            ok = (self._init(context, self._cipher, None, key, nonce) == 1
                  and self._update(context, target, ctypes.byref(done), source, length) == 1
                  and done.value == length
                  and self._final(context, target + length, ctypes.byref(final)) == 1
                  and final.value == 0
                  and self._ctrl(context, _CTRL_AEAD_GET_TAG, TAG_SIZE, target + length) == 1)
        finally:
            self._free(context)
        if not ok:
            raise RuntimeError("libcrypto's ChaCha20-Poly1305 failed")
        return out  # type: ignore[no-any-return]


def _typed(function: Any, restype: Any, argtypes: tuple[Any, ...]) -> Any:
    function.restype, function.argtypes = restype, argtypes
    return function


# Python's C API (through ctypes.pythonapi, which keeps the GIL as these calls need): a bytes object of a given
# size whose contents are left uninitialised, and the address of a bytes object's contents; function objects
# of our own (``pythonapi[name]``: ``pythonapi.name`` is shared with any other code in the process).
_new_bytes = _typed(ctypes.pythonapi["PyBytes_FromStringAndSize"], ctypes.py_object,
                    (ctypes.c_void_p, ctypes.c_ssize_t))
_address = _typed(ctypes.pythonapi["PyBytes_AsString"], ctypes.c_void_p, (ctypes.py_object,))


_loaded: list[_LibCrypto | None] = []
_loading = threading.Lock()


def load() -> _LibCrypto | None:
    """libcrypto's ChaCha20-Poly1305, checked against cryptography's once per process; None where unusable."""
    with _loading:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def _load() -> _LibCrypto | None:
    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    for name in _LIBRARY_NAMES.get(platform, ()):
        try:
            library = ctypes.CDLL(name)  # CDLL, not PyDLL: every call releases the GIL
            version = _typed(library.OpenSSL_version_num, ctypes.c_ulong, ())()
            if version < _OPENSSL_3:
                continue
            lib = _LibCrypto(library)
        except (OSError, AttributeError):
            continue
        if _agrees_with_cryptography(lib):
            return lib
    return None


def _agrees_with_cryptography(lib: _LibCrypto) -> bool:
    """Encrypt messages of lengths around ChaCha20's 64-byte block and Poly1305's 16-byte one with both."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    key, nonce = os.urandom(KEY_SIZE), os.urandom(NONCE_SIZE)
    reference = ChaCha20Poly1305(key)
    ours = ChaCha20Poly1305NoGil(key, lib)
    for length in (0, 1, 15, 16, 17, 63, 64, 65, 1000, 4096 + 3):
        message = os.urandom(length + 5)
        try:
            if ours.encrypt(nonce, message, 5) != reference.encrypt(nonce, message[5:], None):
                return False
        except (RuntimeError, MemoryError):
            return False
    return True


def chacha20_poly1305(key: bytes) -> ChaCha20Poly1305NoGil | None:
    """An encryptor for ``key`` that releases the GIL, or None where libcrypto cannot give one."""
    lib = load()
    return None if lib is None else ChaCha20Poly1305NoGil(key, lib)
