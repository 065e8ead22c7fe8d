"""SoftHSM2 as a real PKCS#11 module: tokens, EC P-256 keys made on them, certificates from a test CA.

Each test run gets its own token directory (``SOFTHSM2_CONF`` points at a
config of its own, set before any module loads: SoftHSM reads it once, at
``C_Initialize``). The tokens are initialised with ``softhsm2-util``, their keys
generated on the token by OpenSC's ``pkcs11-tool`` (an implementation nobody
here wrote), and each key's certificate is issued by a test CA (root ->
intermediate -> examiner, built with cryptography) and stored on the token with
the intermediate, as a licensed CA's USB token carries its chain.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "87654321"
KEY_ID = "01"
CHAIN_ID = "0a"


@dataclass
class Token:
    label: str
    pin: str
    serial: str = ""
    key_id: str = KEY_ID
    certificate: x509.Certificate | None = None


@dataclass
class SoftHSM:
    module: str
    conf: Path
    root: x509.Certificate  # the test CA's root: a trust anchor, never on a token
    intermediate: x509.Certificate  # stored on each token with the examiner's certificate
    tokens: dict[str, Token] = field(default_factory=dict)

    def env(self, conf: Path | None = None) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(conf or self.conf)}

    def token_dir(self, label: str) -> Path:
        """The folder SoftHSM keeps ``label``'s token in."""
        for token_object in (self.conf.parent / "tokens").glob("*/token.object"):
            if _stored_label(token_object.read_bytes()) == label:
                return token_object.parent
        raise AssertionError(f"no SoftHSM token labelled {label}")


def _stored_label(data: bytes) -> str:
    """SoftHSM's token.object: attribute CKA_OS_TOKENLABEL (0x80005349) holds the 32-byte label."""
    marker = bytes.fromhex("0000000080005349")
    at = data.find(marker)
    if at < 0:
        return ""
    length = int.from_bytes(data[at + 16:at + 24], "big")
    return data[at + 24:at + 24 + length].decode("utf-8", "replace").strip()


def lock_user_pin(token_object: Path) -> None:
    """Set CKF_USER_PIN_LOCKED in SoftHSM's stored token flags (CKA_OS_TOKENFLAGS, 0x8000534B).

    SoftHSM2 never locks a PIN itself (its source only ever clears the flag), so a
    test of a locked token sets the flag a hardware token sets after too many wrong
    PINs: SoftHSM then reports it in C_GetTokenInfo like any token would.
    """
    data = bytearray(token_object.read_bytes())
    marker = bytes.fromhex("000000008000534b" "0000000000000002")  # attribute type, then "unsigned long"
    at = data.find(marker)
    assert at >= 0, "SoftHSM's token file has no flags attribute where expected"
    value_at = at + len(marker)
    flags = int.from_bytes(data[value_at:value_at + 8], "big") | 0x40000  # CKF_USER_PIN_LOCKED
    data[value_at:value_at + 8] = flags.to_bytes(8, "big")
    token_object.write_bytes(bytes(data))


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CA of the toolkit"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(subject: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None) -> tuple[
        x509.Certificate, ec.EllipticCurvePrivateKey]:
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(subject)
    issuer_name, issuer_key = issuer or (name, key)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(issuer_key, hashes.SHA256()))
    return cert, key


def _tool(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["pkcs11-tool", "--module", MODULE, *args], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def make_token(hsm: SoftHSM, label: str, pin: str, *, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
               key_type: str = "EC:prime256v1", certified: bool = True, env: dict[str, str], work: Path) -> Token:
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN],
                   env=env, check=True, capture_output=True, timeout=60)
    login = ["--token-label", label, "--login", "--pin", pin]
    _tool(*login, "--keypairgen", "--key-type", key_type, "--id", KEY_ID, "--label", "signing key", env=env)
    token = Token(label, pin)
    if key_type.startswith("EC:") and certified:
        public_der = work / f"{label}.pub.der"
        _tool("--token-label", label, "--read-object", "--type", "pubkey", "--id", KEY_ID, "-o", str(public_der),
              env=env)
        public = serialization.load_der_public_key(public_der.read_bytes())
        now = dt.datetime.now(dt.UTC)
        ca_cert, ca_key = issuer
        cert = (x509.CertificateBuilder().subject_name(x509.Name([
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Công an tỉnh Thử Nghiệm"),
                    x509.NameAttribute(NameOID.COMMON_NAME, label)]))
                .issuer_name(ca_cert.subject).public_key(public)  # type: ignore[arg-type]
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=730))
                .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
                .sign(ca_key, hashes.SHA256()))
        for name, der, object_id, object_label in (
                ("cert", cert.public_bytes(serialization.Encoding.DER), KEY_ID, "signing key"),
                ("chain", ca_cert.public_bytes(serialization.Encoding.DER), CHAIN_ID, "issuing CA")):
            path = work / f"{label}.{name}.der"
            path.write_bytes(der)
            _tool(*login, "--write-object", str(path), "--type", "cert", "--id", object_id, "--label", object_label,
                  env=env)
        token.certificate = cert
    for line in subprocess.run(["softhsm2-util", "--show-slots"], env=env, capture_output=True, text=True,
                               timeout=60).stdout.split("Slot ")[1:]:
        if f"Label:            {label}" in line:
            token.serial = line.split("Serial number:")[1].split()[0]
    assert token.serial
    hsm.tokens[label] = token
    return token


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHSM]:
    """A token directory for this run: two examiners' tokens, one to lock, one whose key has no certificate (only
    its public-key object), one with an RSA key."""
    for tool in ("softhsm2-util", "pkcs11-tool"):
        assert shutil.which(tool), f"{tool} is missing: installer/debian-packages.txt lists its package"
    assert Path(MODULE).is_file(), f"{MODULE} is missing: install softhsm2 (installer/debian-packages.txt)"
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
                    "slots.removable = false\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    root_cert, root_key = _ca("Test Root CA", None)
    intermediate, intermediate_key = _ca("Test Issuing CA", (root_cert.subject, root_key))
    hsm = SoftHSM(MODULE, conf, root_cert, intermediate)
    work = root / "work"
    work.mkdir()
    for label, pin in (("Examiner A", "246810"), ("Examiner C", "135790"), ("To Lock", "112233")):
        make_token(hsm, label, pin, issuer=(intermediate, intermediate_key), env=env, work=work)
    make_token(hsm, "Key Only", "778899", issuer=(intermediate, intermediate_key), certified=False, env=env, work=work)
    make_token(hsm, "RSA token", "445566", issuer=(intermediate, intermediate_key), key_type="rsa:2048", env=env,
               work=work)
    try:
        yield hsm
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(scope="session")
def empty_softhsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another SoftHSM config with no token at all: the workstation where the examiner's token is not plugged in."""
    root = tmp_path_factory.mktemp("softhsm-empty")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    return conf
