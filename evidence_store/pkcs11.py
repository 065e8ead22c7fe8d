"""Hardware tokens (PKCS#11): an examiner's ECDSA P-256 key that never leaves its USB token.

Vietnamese agencies sign with USB tokens issued by licensed CAs, each reachable
through its vendor's PKCS#11 module. Here a module is opened, the token found
(by serial, else label), the user logged in with the PIN, the private key found
(by id, else label) with its certificate, and data signed: SHA-256 on the host,
then raw ECDSA on the token (``CKM_ECDSA``, which every EC token offers, where the
hash-on-token mechanisms are often missing; SoftHSM2 has none), the signature
returned DER-encoded, as :func:`.identity.verify_signature` and X.509 expect.

The binding is python-pkcs11, the one pyHanko's PKCS#11 signer is built on, so
the session that signs custody entries also signs PAdES reports.

Every failure of a module is translated here into one :class:`TokenError` a
person can act on (wrong PIN, locked PIN, no such module, token or key). The PIN
goes to ``C_Login`` and is dropped: never kept, logged, printed, or put in the
environment of a child process. Calls into one module are serialised by a lock:
python-pkcs11 initialises modules without OS locking, so a module may assume one
caller at a time (the desktop app signs from two worker threads).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import TokenError
from .identity import ECDSA_P256, verify_signature

P256_PARAMS = bytes.fromhex("06082a8648ce3d030107")  # DER OID 1.2.840.10045.3.1.7 (prime256v1), as CKA_EC_PARAMS
_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def module_lock(module: str) -> threading.RLock:
    """The lock every call into ``module`` holds (pyHanko's PAdES signing takes it too)."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(os.path.realpath(module), threading.RLock())


@dataclass(frozen=True)
class TokenRef:
    """Where an examiner's key is: the module, the token (serial and/or label) and the key (id and/or label)."""

    module: str
    token_label: str = ""
    token_serial: str = ""
    key_id: str = ""  # hex, as pkcs11-tool and the vendors' tools print it
    key_label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", "".join(ch for ch in self.key_id.lower() if ch not in ": ").removeprefix("0x"))
        if not self.module:
            raise TokenError("a token needs its PKCS#11 module (the vendor's .so or .dll file)",
                             message_vi="thiết bị ký số cần mô-đun PKCS#11 của nó (tệp .so hoặc .dll của nhà cung cấp)")
        if not (self.token_label or self.token_serial):
            raise TokenError("say which token: its label or its serial number",
                             message_vi="hãy cho biết thiết bị nào: nhãn hoặc số sê-ri")
        if not (self.key_id or self.key_label):
            raise TokenError("say which key on the token: its id (hex, as pkcs11-tool lists it) or its label",
                             message_vi="hãy cho biết khoá nào trên thiết bị: mã khoá (hệ thập lục phân, như pkcs11-tool liệt "
                                        "kê) hoặc nhãn")
        try:
            bytes.fromhex(self.key_id)
        except ValueError:
            raise TokenError(f"the key id {self.key_id!r} is not hexadecimal (e.g. 01 or a1b2c3)",
                             message_vi=f"mã khoá {self.key_id!r} không phải số thập lục phân (ví dụ 01 hoặc a1b2c3)") from None

    @property
    def token_name(self) -> str:
        parts = [f"'{self.token_label}'"] if self.token_label else []
        if self.token_serial:
            parts.append(f"serial {self.token_serial}")
        return "token " + " ".join(parts)

    @property
    def key_name(self) -> str:
        return f"key id {self.key_id}" if self.key_id else f"key '{self.key_label}'"

    def to_json(self) -> dict[str, str]:
        return {"module": self.module, "token_label": self.token_label, "token_serial": self.token_serial,
                "key_id": self.key_id, "key_label": self.key_label}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenRef:
        return cls(str(data.get("module") or ""), str(data.get("token_label") or ""),
                   str(data.get("token_serial") or ""), str(data.get("key_id") or ""),
                   str(data.get("key_label") or ""))


@dataclass(frozen=True)
class TokenKey:
    """What a token shows about one key: where it is (every field filled in as found) and its public half."""

    ref: TokenRef
    public_key: bytes  # SEC1 uncompressed point
    certificate: bytes | None  # DER, when the token holds the certificate of this key
    chain: tuple[bytes, ...] = ()  # the token's other certificates (issuers), DER
    manufacturer: str = ""
    model: str = ""

    def facts(self) -> dict[str, Any]:
        """What is recorded about the token in the examiners row and the ``examiner.add`` entry."""
        facts: dict[str, Any] = {**self.ref.to_json(), "manufacturer": self.manufacturer, "model": self.model}
        if self.certificate is not None:
            facts.update(certificate_facts(self.certificate))
        return facts


def certificate_facts(der: bytes) -> dict[str, str]:
    """Subject, issuer, serial, validity and SHA-256 of a certificate, as people compare them."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return {"certificate_subject": cert.subject.rfc4514_string(), "certificate_issuer": cert.issuer.rfc4514_string(),
            "certificate_serial": format(cert.serial_number, "x"),
            "certificate_not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "certificate_sha256": hashlib.sha256(der).hexdigest()}


# -- the module and its errors ---------------------------------------------------------------------------------------
def _load(module: str) -> Any:
    """The module, loaded once per process (python-pkcs11 keeps it); a missing or foreign file is a TokenError."""
    try:
        import pkcs11
    except ImportError as exc:
        raise TokenError("hardware-token support is not installed with this copy of the tool (python-pkcs11; "
                         "`pip install 'forensics-toolkit[tokens]'`)", code="module_missing", token=module,
                         message_vi="bản cài đặt này của công cụ không có hỗ trợ thiết bị ký số (python-pkcs11)") from exc

    if not os.path.isfile(module):
        raise TokenError(f"PKCS#11 module {module} not found", code="module_missing", token=module,
                         message_vi=f"không tìm thấy mô-đun PKCS#11 {module}",
                         remedy="token_module")
    try:
        return pkcs11.lib(module)
    except pkcs11.PKCS11Error as exc:
        raise TokenError(f"{module} is not a PKCS#11 module that loads here: {exc}", code="module_missing",
                         token=module, message_vi=f"{module} không phải mô-đun PKCS#11 nạp được trên máy này: {exc}") from exc


def _translate(exc: Exception, ref: TokenRef, doing: str) -> TokenError:
    """One clear line for each way a module says no (python-pkcs11 maps each CKR_ code to a class)."""
    from pkcs11 import exceptions as e

    token = ref.token_name
    doing_vi = DOING_VI.get(doing, doing)
    locked_en, locked_vi = _locked(ref)
    known: list[tuple[type[Exception] | tuple[type[Exception], ...], str, str]] = [
        (e.PinIncorrect, f"wrong PIN for {token}; nothing was signed", f"sai mã PIN của {token}; chưa ký gì"),
        (e.PinLocked, locked_en, locked_vi),
        (e.PinExpired, f"the PIN of {token} has expired: change it with the token's own tool first",
         f"mã PIN của {token} đã hết hạn: hãy đổi bằng công cụ riêng của thiết bị trước"),
        ((e.PinLenRange, e.PinInvalid), f"the PIN has a length or characters {token} does not accept",
         f"mã PIN có độ dài hoặc ký tự mà {token} không chấp nhận"),
        (e.UserPinNotInitialized, f"{token} has no user PIN yet: initialise it with the token's own tool",
         f"{token} chưa có mã PIN người dùng: hãy khởi tạo bằng công cụ riêng của thiết bị"),
        ((e.TokenNotPresent, e.DeviceRemoved, e.TokenNotRecognised),
         f"{token} is not present (removed, or not recognised): plug it in and try again",
         f"không thấy {token} (đã rút ra hoặc không nhận được): hãy cắm thiết bị và thử lại"),
        ((e.SessionClosed, e.SessionHandleInvalid, e.UserNotLoggedIn),
         f"the session with {token} ended (was it removed?): sign in again",
         f"phiên làm việc với {token} đã kết thúc (thiết bị bị rút ra?): hãy đăng nhập lại"),
        (e.MechanismInvalid, f"{token} does not offer raw ECDSA (CKM_ECDSA) for {ref.key_name}",
         f"{token} không hỗ trợ ECDSA thô (CKM_ECDSA) cho {ref.key_name}"),
        (e.FunctionCancelled, f"{doing} on {token} was cancelled on the token",
         f"việc {doing_vi} trên {token} đã bị huỷ trên thiết bị"),
        (e.UserAlreadyLoggedIn, f"{token} is already signed in by this program (for work still running): wait for "
                                "it to end, or close the vault, then sign in again",
         f"{token} đang được chương trình này đăng nhập (cho việc đang chạy): hãy chờ việc đó xong, hoặc đóng kho, "
         "rồi đăng nhập lại"),
    ]
    codes: dict[type[Exception], str] = {e.PinIncorrect: "wrong_pin", e.PinLocked: "pin_locked",
                                         e.TokenNotPresent: "token_missing", e.DeviceRemoved: "token_missing",
                                         e.TokenNotRecognised: "token_missing"}
    for kinds, message, message_vi in known:
        if isinstance(exc, kinds):
            return TokenError(message, code=codes.get(type(exc), "token"), token=ref.token_name, message_vi=message_vi)
    name = type(exc).__name__
    detail = f": {exc}" if str(exc) else ""
    return TokenError(f"{token}: {doing} failed, the PKCS#11 module reported {name}{detail}",
                      message_vi=f"{token}: {doing} thất bại, mô-đun PKCS#11 báo {name}{detail}")


DOING_VI = {"listing the tokens": "liệt kê thiết bị", "signing": "ký", "logging in": "đăng nhập",
            "reading the key": "đọc khoá"}


def _locked(ref: TokenRef) -> tuple[str, str]:
    return (f"the PIN of {ref.token_name} is locked after too many wrong tries: unblock it with the token's "
            "administrator (SO) PIN or the issuing CA's tool; nothing was signed",
            f"mã PIN của {ref.token_name} đã bị khoá sau quá nhiều lần nhập sai: hãy mở khoá bằng mã PIN quản trị (SO) "
            "của thiết bị hoặc công cụ của tổ chức cấp chứng thư; chưa ký gì")


def _find_token(lib: Any, ref: TokenRef) -> Any:
    """The token with this serial (labels can be renamed), else with this label; exactly one."""
    present = _tokens(lib, ref)
    if ref.token_serial:
        matching = [t for t in present if _text(t.serial) == ref.token_serial]
    else:
        matching = [t for t in present if _text(t.label) == ref.token_label]
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise TokenError(f"more than one token matches {ref.token_name}: give its serial number",
                         code="token_ambiguous", token=ref.token_name,
                         message_vi=f"có nhiều thiết bị khớp với {ref.token_name}: hãy cho biết số sê-ri")
    seen = (f"tokens present: {', '.join(repr(_text(t.label)) for t in present)}" if present
            else "no token is present")
    raise TokenError(f"{ref.token_name} not found in {ref.module} ({seen}): plug it in, or check its label and serial",
                     code="token_missing", token=ref.token_name,
                     message_vi=f"không tìm thấy {ref.token_name} trong {ref.module} ({seen}): hãy cắm thiết bị, hoặc kiểm tra "
                                "nhãn và số sê-ri")


def _tokens(lib: Any, ref: TokenRef) -> list[Any]:
    """The initialised tokens present (a module may offer a blank one, as SoftHSM does, to be initialised)."""
    import pkcs11

    try:
        return [t for t in lib.get_tokens() if t.flags & pkcs11.TokenFlag.TOKEN_INITIALIZED]
    except pkcs11.PKCS11Error as exc:
        raise _translate(exc, ref, "listing the tokens") from exc


def _text(value: Any) -> str:
    return value.decode("ascii", "replace").strip() if isinstance(value, bytes) else str(value or "").strip()


def _id_query(ref: TokenRef) -> dict[Any, Any]:
    from pkcs11 import Attribute

    return {Attribute.ID: bytes.fromhex(ref.key_id)} if ref.key_id else {Attribute.LABEL: ref.key_label}


def _find_private_key(session: Any, ref: TokenRef) -> Any:
    from pkcs11 import Attribute, KeyType, ObjectClass

    found = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, **_id_query(ref)}))
    if not found:
        raise TokenError(f"no private {ref.key_name} on {ref.token_name}", code="key_missing",
                         token=ref.token_name, message_vi=f"không có khoá riêng {ref.key_name} trên {ref.token_name}",
                         remedy="token_objects")
    if len(found) > 1:
        raise TokenError(f"more than one private key matches {ref.key_name} on {ref.token_name}: give its id",
                         message_vi=f"có nhiều khoá riêng khớp với {ref.key_name} trên {ref.token_name}: hãy cho biết mã khoá")
    key = found[0]
    if key.key_type == KeyType.EC and bytes(key[Attribute.EC_PARAMS]) == P256_PARAMS:
        return key
    if key.key_type == KeyType.EC:
        kind = "an EC key on another curve than P-256"
    else:
        kind = f"an {key.key_type.name} key" if key.key_type == KeyType.RSA else f"a {key.key_type.name} key"
    raise TokenError(f"{ref.key_name} on {ref.token_name} is {kind}: custody signatures need an ECDSA P-256 key",
                     message_vi=f"{ref.key_name} trên {ref.token_name} là {kind}: chữ ký nhật ký lưu giữ chứng cứ cần khoá "
                                "ECDSA P-256",
                     remedy="sign_p12_rsa")


def _point(value: bytes) -> bytes:
    """CKA_EC_POINT is a DER OCTET STRING around the point (some modules give the bare point)."""
    if len(value) == 67 and value[:2] == b"\x04\x41":
        value = value[2:]
    if len(value) != 65 or value[0] != 4:
        raise TokenError("the token returned an EC public key that is not an uncompressed P-256 point",
                         message_vi="thiết bị trả về khoá công khai EC không phải điểm P-256 không nén")
    return value


def _certificate_key(der: bytes) -> bytes | None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except ValueError:
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return None
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _describe(session: Any, token: Any, key: Any, ref: TokenRef) -> TokenKey:
    """The key's public half (from its certificate or public-key object, which must agree) and certificates."""
    from pkcs11 import Attribute, ObjectClass

    key_id = bytes(key[Attribute.ID]).hex() if _has(key, Attribute.ID) else ref.key_id
    key_label = _text(key[Attribute.LABEL]) if _has(key, Attribute.LABEL) else ref.key_label
    query = {Attribute.ID: bytes.fromhex(key_id)} if key_id else {Attribute.LABEL: key_label}
    certificates = [bytes(c[Attribute.VALUE]) for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
    own = [bytes(c[Attribute.VALUE]) for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **query})]
    publics = [_point(bytes(p[Attribute.EC_POINT]))
               for p in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, **query})]
    from_certs = {c: k for c in own if (k := _certificate_key(c)) is not None}
    public = publics[0] if publics else next(iter(from_certs.values()), None)
    if public is None:
        raise TokenError(f"{ref.key_name} on {ref.token_name} has neither a certificate nor a public-key object: "
                         "its public key cannot be read",
                         message_vi=f"{ref.key_name} trên {ref.token_name} không có chứng thư lẫn đối tượng khoá công khai: "
                                    "không đọc được khoá công khai")
    certificate = next((c for c, k in from_certs.items() if k == public), None)
    if certificate is None and from_certs:
        raise TokenError(f"the certificate stored with {ref.key_name} on {ref.token_name} is for another key",
                         message_vi=f"chứng thư lưu cùng {ref.key_name} trên {ref.token_name} là của khoá khác")
    chain = tuple(c for c in certificates if c != certificate)
    full = replace(ref, token_label=_text(token.label), token_serial=_text(token.serial), key_id=key_id,
                   key_label=key_label)
    return TokenKey(full, public, certificate, chain, _text(token.manufacturer_id), _text(token.model))


def _has(obj: Any, attribute: Any) -> bool:
    import pkcs11

    try:
        obj[attribute]
    except (pkcs11.AttributeTypeInvalid, pkcs11.AttributeSensitive):
        return False
    return True


# -- a logged-in session -----------------------------------------------------------------------------------------------
@dataclass
class TokenSession:
    """A session logged in to a token, holding the private key it signs with.

    PKCS#11 logs a whole program in to a token, once: while this session is
    open, the token cannot be asked to check the PIN again (it answers "already
    logged in"). So :meth:`confirm` (the desktop app's unlock while work it
    started still signs) compares the PIN typed with a keyed digest of the one
    the token accepted at login (HMAC-SHA256 under a random key; both exist only
    in this process's memory, never the PIN itself), then has the token sign, to
    show it is still there.
    """

    key: TokenKey
    _session: Any = field(repr=False)
    _private: Any = field(repr=False)
    closed: bool = False
    _pin_key: bytes = field(default_factory=lambda: os.urandom(32), repr=False)
    _pin_digest: bytes = field(default=b"", repr=False)

    def _digest(self, pin: str) -> bytes:
        return hmac.new(self._pin_key, pin.encode("utf-8"), hashlib.sha256).digest()

    def confirm(self, pin: str) -> None:
        """The PIN is the one this session logged in with, and the token still signs (else TokenError)."""
        ref = self.key.ref
        if self.closed:
            raise TokenError(f"the session with {ref.token_name} was closed: sign in again", code="token_missing",
                             token=ref.token_name, message_vi=f"phiên làm việc với {ref.token_name} đã đóng: hãy đăng nhập lại")
        if not pin:
            raise TokenError(f"no PIN given for {ref.token_name}", code="no_pin", token=ref.token_name,
                             message_vi=f"chưa nhập mã PIN cho {ref.token_name}")
        if not hmac.compare_digest(self._digest(pin), self._pin_digest):
            raise TokenError(f"wrong PIN for {ref.token_name}; nothing was signed", code="wrong_pin",
                             token=ref.token_name, message_vi=f"sai mã PIN của {ref.token_name}; chưa ký gì")
        _prove(self)

    @property
    def lock(self) -> threading.RLock:
        return module_lock(self.key.ref.module)

    @property
    def pkcs11_session(self) -> Any:
        """The python-pkcs11 session (pyHanko's PKCS#11 signer uses it; hold :attr:`lock` while it does)."""
        return self._session

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 over SHA-256(data), hashed here and signed raw on the token; DER-encoded."""
        import pkcs11
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        if self.closed:
            raise TokenError(f"the session with {self.key.ref.token_name} was closed: sign in again",
                             message_vi=f"phiên làm việc với {self.key.ref.token_name} đã đóng: hãy đăng nhập lại")
        digest = hashlib.sha256(data).digest()
        with self.lock:
            try:
                raw = self._private.sign(digest, mechanism=pkcs11.Mechanism.ECDSA)
            except pkcs11.PKCS11Error as exc:
                raise _translate(exc, self.key.ref, "signing") from exc
        if len(raw) != 64:
            raise TokenError(f"{self.key.ref.token_name} returned an ECDSA signature of {len(raw)} bytes, not 64",
                             message_vi=f"{self.key.ref.token_name} trả về chữ ký ECDSA dài {len(raw)} byte, không phải 64")
        return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))

    def close(self) -> None:
        """Log out and end the session (errors of a token already removed are ignored)."""
        import pkcs11

        if self.closed:
            return
        self.closed = True
        with self.lock:
            try:
                self._session.close()
            except pkcs11.PKCS11Error:
                pass


@contextmanager
def _translated(ref: TokenRef, doing: str) -> Iterator[None]:
    import pkcs11

    try:
        yield
    except pkcs11.PKCS11Error as exc:
        raise _translate(exc, ref, doing) from exc


def login(ref: TokenRef, pin: str) -> TokenSession:
    """Log in to the token with ``pin`` and find the key; proves the key signs and matches its public half.

    A token that reports its user PIN locked is refused before the PIN is sent
    (a try would be wasted, or counted against the examiner).
    """
    from pkcs11 import PinIncorrect, TokenFlag

    lib = _load(ref.module)
    with module_lock(ref.module):
        token = _find_token(lib, ref)
        flags = TokenFlag(token.flags)
        if flags & TokenFlag.USER_PIN_LOCKED:
            locked_en, locked_vi = _locked(ref)
            raise TokenError(locked_en, code="pin_locked", token=ref.token_name, message_vi=locked_vi)
        if not pin:
            raise TokenError(f"no PIN given for {ref.token_name}", code="no_pin", token=ref.token_name,
                             message_vi=f"chưa nhập mã PIN cho {ref.token_name}")
        try:
            session = token.open(user_pin=pin)
        except PinIncorrect:
            left_en, left_vi = _tries_left(lib, ref)
            raise TokenError(f"wrong PIN for {ref.token_name}{left_en}; nothing was signed",
                             code="wrong_pin", token=ref.token_name,
                             message_vi=f"sai mã PIN của {ref.token_name}{left_vi}; chưa ký gì") from None
        except Exception as exc:
            raise _translate(exc, ref, "logging in") from exc
        try:
            with _translated(ref, "reading the key"):
                private = _find_private_key(session, ref)
                found = _describe(session, token, private, ref)
        except BaseException:
            session.close()
            raise
    signed_in = TokenSession(found, session, private)
    signed_in._pin_digest = signed_in._digest(pin)
    try:
        _prove(signed_in)
    except BaseException:
        signed_in.close()
        raise
    return signed_in


def _tries_left(lib: Any, ref: TokenRef) -> tuple[str, str]:
    """What the token says after a wrong PIN: few tries left, the last one, or locked now."""
    from pkcs11 import TokenFlag

    try:
        flags = TokenFlag(_find_token(lib, ref).flags)
    except TokenError:
        return "", ""
    if flags & TokenFlag.USER_PIN_LOCKED:
        return " (the token has now locked its PIN)", " (thiết bị vừa khoá mã PIN)"
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return " (one more wrong PIN locks the token)", " (nhập sai thêm một lần nữa thiết bị sẽ khoá)"
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return " (the token reports few tries left)", " (thiết bị báo chỉ còn ít lần thử)"
    return "", ""


def _prove(session: TokenSession) -> None:
    """Sign a fresh challenge and check it with the public key read: the key found is the key recorded."""
    challenge = b"forensics-toolkit token check\n" + os.urandom(32)
    if not verify_signature(ECDSA_P256, session.key.public_key, challenge, session.sign(challenge)):
        raise TokenError(f"{session.key.ref.key_name} on {session.key.ref.token_name} does not sign for the public "
                         "key stored with it (its certificate or public-key object belongs to another key)",
                         message_vi=f"{session.key.ref.key_name} trên {session.key.ref.token_name} không ký được cho khoá công "
                                    "khai lưu cùng nó (chứng thư hoặc đối tượng khoá công khai thuộc khoá khác)")


# -- the examiner's signer --------------------------------------------------------------------------------------------
@dataclass
class TokenSigner:
    """An examiner signing on their token (the :class:`.identity.Signer` protocol): ECDSA P-256, key on the token."""

    examiner_id: int
    uid: str
    name: str
    session: TokenSession = field(repr=False)
    alg: str = ECDSA_P256

    @property
    def public_key(self) -> bytes:
        return self.session.key.public_key

    @property
    def certificate(self) -> bytes | None:
        return self.session.key.certificate

    def sign(self, data: bytes) -> bytes:
        return self.session.sign(data)

    def close(self) -> None:
        self.session.close()
