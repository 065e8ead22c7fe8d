"""What a user can do about an error, named once; each shell words it its own way.

A raise site passes ``remedy="allow_private_addresses"`` instead of writing a flag
into its message. The command line prints the wording below (it names its flags and
commands); the desktop app words the same remedy after its own controls
(``forensics_app.gui.texts``: ``remedy.<name>``) and may offer a button that opens
the control. A test checks that every remedy a raise site names has both.
"""

from __future__ import annotations

from . import MissingText

#: remedy -> how the command line says it (English; the command line's language)
CLI: dict[str, str] = {
    "allow_private_addresses": "allow it with --allow-private-addresses",
    "insecure": "to capture it anyway with the error recorded, use --insecure",
    "browser_path": "check that it runs (`chromium --version`), or point FORENSICS_CHROMIUM (or the browser_path "
                    "setting) at another Chromium, Chrome or Edge",
    "choose_partition": "choose one with --partition",
    "case_list": "`forensics case list` shows them",
    "item_list": "`forensics items list` shows them",
    "tip_list": "`forensics tip list` shows them",
    "watch_list": "`forensics watch list` shows them",
    "examiner_list": "`forensics examiner list` shows them",
    "slot_list": "`forensics vault info` lists them",
    "vault_init": "create one with `forensics vault init`",
    "profile_login": "create one with `forensics profile login NAME --url URL`",
    "vault_verify": "run `forensics vault verify` for details",
    "reopen_case": "reopen it (`forensics case reopen`) first",
    "tip_link": "link it to a case first (`forensics tip link ID --case C`)",
    "sign_p12": "sign the report with a PKCS#12 file (--sign-p12) instead",
    "sign_p12_rsa": "sign reports with such a key through --sign-p12, or with the token's own tool",
    "token_module": "install the token's driver, or give the path of its module (--token-module, or "
                    "FORENSICS_TOKEN_MODULE)",
    "token_objects": "list the token's keys with `pkcs11-tool --module MODULE --login --list-objects`",
    "restore_reason": "say why the restored state is accepted (--reason)",
    "login_profile": "capture with a login profile (--profile) to see it",
    "timezone_setting": "set the timezone setting (`forensics settings set timezone Asia/Ho_Chi_Minh`)",
    "tsa_setting": "add one with `forensics tsa add URL --root ROOT.pem`",
    "annotate": "add the value by hand with `forensics social annotate`",
}


def cli_remedy(name: str) -> str:
    try:
        return CLI[name]
    except KeyError:
        raise MissingText(f"remedy.{name}") from None
CLI.update({
    "install_browser": "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`, or run `make setup`), or set "
                       "FORENSICS_CHROMIUM to a Chromium, Chrome or Edge executable; `forensics doctor` checks the "
                       "set-up and, online, offers to download one",
    "install_ffmpeg": "install it (Debian/Ubuntu: `sudo apt-get install ffmpeg`, or run `make setup`)",
    "install_fonts": "install fonts-noto-core and fonts-dejavu-core (installer/debian-packages.txt) or set "
                     "FORENSICS_FONT_DIRS",
    "workstation_check": "`forensics doctor` says what is missing",
})
