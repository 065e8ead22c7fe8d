"""Finding entities in text: each rule finds candidates, checks them, and gives a normalised value.

Rules (the ``rule`` name is kept on every occurrence):

- ``phone.vn.mobile`` / ``phone.vn.landline``: +84/84/0 prefixes, spaces, dots and dashes; the value is
  E.164 (``+84912345678``). ``phone.vn.mobile_11digit``: an old 11-digit mobile number (01xx) mapped to
  today's 10-digit one by the 2018 conversion table of the Ministry of Information and Communications.
- ``email``, ``url`` (and ``domain`` from each URL's host), ``ipv4``/``ipv6`` (checked by ``ipaddress``).
- ``account.<platform>.url``: a profile address (facebook.com/handle, profile.php?id=…, tiktok.com/@…);
  ``account.<platform>.record``: authors and commenters of a stored social-post record.
- ``bank_account.near_bank``: 6-19 digits within a few words of a Vietnamese bank's name or short name (a phone
  or card number there only when called an account: "STK", "tài khoản").
- ``card.luhn``: 13-19 digits with a card network's prefix that pass the Luhn check.
- ``crypto.btc.base58check``, ``crypto.btc.bech32``, ``crypto.tron.base58check``, ``crypto.eth.eip55``
  (mixed case checked against Keccak-256; all one case has no checksum: ``crypto.eth.no_checksum``).
- ``cccd.context`` (12 digits, a province code, after "CCCD", "căn cước", "CMND", "số định danh"),
  ``plate.context`` (a Vietnamese plate after "biển số", "BKS", "biển kiểm soát").
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

SNIPPET = 40


@dataclass(frozen=True)
class Found:
    type: str
    value: str
    display: str
    rule: str
    start: int
    end: int


# -- matching without marks -----------------------------------------------------------------------------------
def _plain_table() -> dict[int, str]:
    """Latin letters with marks to their base letter, lower case; one character each (lengths kept)."""
    table = {}
    for code in range(0x41, 0x2000):
        ch = chr(code)
        base = "d" if ch in "đĐ" else unicodedata.normalize("NFD", ch)[0].lower()
        if len(base) == 1 and base != ch:
            table[code] = base
    for code in range(0x1E00, 0x1F00):  # Latin Extended Additional: ạ ả ấ ầ ẩ ẫ ậ … (Vietnamese)
        base = unicodedata.normalize("NFD", chr(code))[0].lower()
        if len(base) == 1:
            table[code] = base
    return table


_PLAIN = {chr(code): base for code, base in _plain_table().items()}
_PLAIN_CHARS = frozenset(_PLAIN)


def plain(text: str) -> str:
    """Lower case without Vietnamese marks, same length as ``text`` (offsets stay valid).

    One ``str.replace`` per distinct character to change: a text uses a few dozen, and ``str.translate`` with a
    table this size looks up every character (about 3x slower). No base letter is itself changed by the table.
    """
    for ch in _PLAIN_CHARS.intersection(text):
        text = text.replace(ch, _PLAIN[ch])
    return text


def _free(text: str, start: int, end: int, before: str = "", after: str = "") -> bool:
    """No word character (or one of ``before``/``after``) touches the match on either side."""
    if start > 0:
        ch = text[start - 1]
        if ch.isalnum() or ch == "_" or ch in before:
            return False
    if end < len(text):
        ch = text[end]
        if ch.isalnum() or ch == "_" or ch in after:
            return False
    return True


def snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET)
    right = min(len(text), end + SNIPPET)
    return (("…" if left else "") + " ".join(text[left:start].split()) + " ⟦" + text[start:end] + "⟧ " +
            " ".join(text[end:right].split()) + ("…" if right < len(text) else "")).strip()


# -- where numbers are ------------------------------------------------------------------------------------------
#: a run of four digits or more joined by at most three separators: every number a rule below reads (an IPv4
#: address has four digits or more; phones, cards, bank accounts six or more) lies inside one
_NUMERIC = re.compile(r"\d(?:[\s.\-()]{0,3}\d){3,}")
Spans = list[tuple[int, int]]


def numeric_spans(text: str) -> tuple[Spans, Spans]:
    """Where the numbers are (four digits or more, and six or more): the number rules scan these stretches instead
    of the whole text (one scan instead of five; text is mostly words). Each stretch reaches a character past its
    run, so a rule's look-ahead sees what follows the number."""
    n = len(text)
    four = [(m.start(), min(n, m.end() + 1)) for m in _NUMERIC.finditer(text)]
    return four, [(a, b) for a, b in four if sum(map(str.isdigit, text[a:b])) >= 6]


def _in_spans(pattern: re.Pattern[str], text: str, spans: Spans | None) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` over the whole text, or over the numeric stretches only."""
    if spans is None:
        yield from pattern.finditer(text)
        return
    for start, end in spans:
        yield from pattern.finditer(text, start, end)


# -- phones -----------------------------------------------------------------------------------------------------
#: 2018 conversion of 11-digit mobile prefixes to 10-digit ones (MIC Circular 22/2014/TT-BTTTT plan, Sept. 2018).
OLD_MOBILE_PREFIXES = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037", "0168": "038",
    "0169": "039",  # Viettel
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",  # MobiFone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",  # VinaPhone
    "0186": "056", "0188": "058",  # Vietnamobile
    "0199": "059",  # Gmobile
}
_MOBILE = re.compile(r"^0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_PHONE = re.compile(r"84\)?[\s.\-]?\d(?:[\s.\-]?\d){7,9}|0\d(?:[\s.\-]?\d){7,9}")  # "(+" before 84: below


def _phones(text: str, spans: Spans | None = None) -> Iterator[Found]:
    for m in _in_spans(_PHONE, text, spans):
        start = m.start()
        if m.group().startswith("8"):
            start -= 1 if text[max(0, start - 1):start] in ("+", "(") else 0
            start -= 1 if text[max(0, start - 1):start] == "(" else 0
        if not _free(text, start, m.end(), before="+."):
            continue
        digits = re.sub(r"\D", "", m.group())
        if m.group().startswith("8"):
            digits = "0" + digits[2:]
        rule = ""
        if len(digits) == 10 and _MOBILE.match(digits):
            rule = "phone.vn.mobile"
        elif len(digits) == 11 and digits[:4] in OLD_MOBILE_PREFIXES:
            digits = OLD_MOBILE_PREFIXES[digits[:4]] + digits[4:]
            rule = "phone.vn.mobile_11digit"
        elif _LANDLINE.match(digits):
            rule = "phone.vn.landline"
        if rule:
            national = digits
            display = (f"{national[:4]} {national[4:7]} {national[7:]}" if len(national) == 10
                       else f"{national[:3]} {national[3:7]} {national[7:]}")
            yield Found("phone", "+84" + national[1:], display, rule, start, m.end())


def normalise_phone(text: str) -> str | None:
    found = list(_phones(text.strip()))
    return found[0].value if len(found) == 1 else None


# -- e-mail, URLs, domains, IPs -------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z]{2,24}(?![\w-])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_IPV6 = re.compile(r"[0-9a-fA-F]{1,4}:[0-9a-fA-F:]{2,36}|::[0-9a-fA-F:]{1,37}")


def _emails(text: str) -> Iterator[Found]:
    at = text.find("@")
    seen: set[int] = set()
    while at >= 0:  # look only around each "@" (scanning all text for [\w.+-]+ is slow)
        left = max(0, at - 64)
        for m in _EMAIL.finditer(text, left, min(len(text), at + 256)):
            start = m.start()
            if start in seen or (start == left and left > 0 and not _free(text, start, start, before=".+-")):
                continue
            seen.add(start)
            value = m.group().strip(".").lower()
            yield Found("email", value, value, "email", start, start + len(m.group().rstrip(".")))
        at = text.find("@", at + 1)


def _url_matches(text: str, lower: str) -> Iterator[re.Match[str]]:
    """The URL pattern tried only where ``://`` or ``www.`` is (found by ``str.find`` in the text's lower case, not
    a scan per character)."""
    if len(lower) != len(text):  # a character whose lower case is longer: offsets would not hold
        yield from _URL.finditer(text)
        return
    starts = []
    for needle, back in (("://", ("https", "http")), ("www.", ("",))):
        at = lower.find(needle)
        while at >= 0:
            for prefix in back:
                if lower.startswith(prefix, at - len(prefix)) and at >= len(prefix):
                    starts.append(at - len(prefix))
                    break
            at = lower.find(needle, at + 1)
    end = -1
    for start in sorted(set(starts)):
        if start < end:
            continue  # inside the previous address ("http://www.…")
        m = _URL.match(text, start)
        if m:
            end = m.end()
            yield m


def _urls(text: str, lower: str) -> Iterator[Found]:
    for m in _url_matches(text, lower):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            continue
        raw = m.group().rstrip(".,;:!?)»”’'")
        url = raw if "://" in raw else "http://" + raw
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            port = parts.port  # "http://a.b:.-" has a port that is not a number: not an address
        except ValueError:
            continue
        if "." not in host:
            continue
        start, end = m.start(), m.start() + len(raw)
        value = f"{parts.scheme.lower()}://{host}{(':' + str(port)) if port else ''}{parts.path or '/'}" + (
            f"?{parts.query}" if parts.query else "")
        yield Found("url", value, raw, "url", start, end)
        domain = host[4:] if host.startswith("www.") else host
        yield Found("domain", domain, domain, "url.host", start, end)
        yield from _account_from_url(parts, host, start, end)


def _ips(text: str, spans: Spans | None = None) -> Iterator[Found]:
    for m in _in_spans(_IPV4, text, spans):
        if not _free(text, m.start(), m.end(), before=".", after=".") and not (
                m.end() < len(text) and text[m.end()] == "." and _free(text, m.start(), m.end() + 1, before=".")):
            continue
        try:
            address = ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield Found("ip", str(address), str(address), "ipv4", m.start(), m.end())
    if text.count(":") - text.count("://") < 2:  # an IPv6 address has two colons or more
        return
    for m in _IPV6.finditer(text):
        if m.group().count(":") < 2 or not any(c.isdigit() for c in m.group()) or not _free(text, m.start(), m.end()):
            continue
        try:
            address6 = ipaddress.IPv6Address(m.group())
        except ValueError:
            continue
        yield Found("ip", address6.compressed, address6.compressed, "ipv6", m.start(), m.end())


# -- social accounts ---------------------------------------------------------------------------------------------
PLATFORM_HOSTS = {
    "facebook.com": "facebook", "fb.com": "facebook", "m.facebook.com": "facebook", "web.facebook.com": "facebook",
    "tiktok.com": "tiktok", "youtube.com": "youtube", "x.com": "x", "twitter.com": "x",
    "instagram.com": "instagram", "t.me": "telegram", "zalo.me": "zalo", "threads.net": "threads",
}
_NOT_HANDLES = {"watch", "share", "sharer", "sharer.php", "groups", "pages", "events", "photo", "photo.php",
                "story.php", "permalink.php", "hashtag", "video", "videos", "reel", "reels", "p", "explore",
                "search", "login", "home.php", "intent", "i", "status", "channel", "c", "shorts", "results",
                "plugins", "dialog", "tag", "privacy", "policies", "help", "settings", "messages", "notifications",
                "profile.php", "people", "watch.php", "embed", "s", "joinchat", "music", "discover", "foryou"}


def account_value(platform: str, handle: str = "", ident: str = "") -> list[tuple[str, str]]:
    """(value, display) of an account: one for the handle, one for the numeric id, where known."""
    found = []
    handle = handle.strip().lstrip("@")
    if handle:
        found.append((f"{platform}:@{handle.lower()}", f"{platform} @{handle}"))
    if ident.strip():
        found.append((f"{platform}:#{ident.strip()}", f"{platform} id {ident.strip()}"))
    return found


def _account_from_url(parts: Any, host: str, start: int, end: int) -> Iterator[Found]:
    bare = host[4:] if host.startswith("www.") else host
    platform = PLATFORM_HOSTS.get(bare) or PLATFORM_HOSTS.get(bare.split(".", 1)[-1] if bare.count(".") > 1 else "")
    if platform is None:
        return
    segments = [s for s in parts.path.split("/") if s]
    handle, ident = "", ""
    if platform == "facebook" and segments and segments[0] == "profile.php":
        ident = (parse_qs(parts.query).get("id") or [""])[0]
    elif platform == "facebook" and len(segments) >= 2 and segments[0] == "people":
        ident = segments[2] if len(segments) > 2 and segments[2].isdigit() else ""
    elif segments:
        first = segments[0]
        if platform in ("tiktok", "youtube", "threads"):
            if first.startswith("@"):
                handle = first[1:]
        elif first.lower() not in _NOT_HANDLES and re.fullmatch(r"[\w.\-]{2,80}", first):
            if first.isdigit() and platform == "facebook":
                ident = first
            else:
                handle = first
    for value, display in account_value(platform, handle, ident if ident.isdigit() else ""):
        yield Found("account", value, display, f"account.{platform}.url", start, end)


# -- banks, cards -----------------------------------------------------------------------------------------------
#: short code -> names and short names as written (matched without marks, whole words).
BANKS = {
    "VCB": ("vietcombank", "vcb", "ngoai thuong"), "TCB": ("techcombank", "tcb", "ky thuong"),
    "BIDV": ("bidv", "dau tu va phat trien"), "CTG": ("vietinbank", "ctg", "cong thuong"),
    "AGRIBANK": ("agribank", "nong nghiep va phat trien nong thon"), "MB": ("mbbank", "mb bank", "mb", "quan doi"),
    "ACB": ("acb", "a chau"), "VPB": ("vpbank", "vp bank", "viet nam thinh vuong"),
    "STB": ("sacombank", "stb", "sai gon thuong tin"), "TPB": ("tpbank", "tp bank", "tien phong"),
    "VIB": ("vib", "quoc te"), "SHB": ("shb", "sai gon ha noi"), "HDB": ("hdbank", "hd bank"),
    "OCB": ("ocb", "phuong dong"), "MSB": ("msb", "maritime bank", "hang hai"), "EIB": ("eximbank",),
    "SEAB": ("seabank", "dong nam a"), "LPB": ("lpbank", "lienvietpostbank", "buu dien lien viet"),
    "VAB": ("vietabank",), "NAB": ("nam a bank",), "BAB": ("bac a bank",), "PVCB": ("pvcombank",),
    "SCB": ("scb",), "ABB": ("abbank",), "KLB": ("kienlongbank",), "BVB": ("bvbank", "viet capital"),
    "CAKE": ("cake by vpbank",), "TIMO": ("timo",), "MOMO": ("momo", "vi momo"),
}
_BANK_NAMES = re.compile(r"\b(" + "|".join(sorted((re.escape(n) for names in BANKS.values() for n in names),
                                                  key=len, reverse=True)) + r")\b")
_BANK_OF = {n: code for code, names in BANKS.items() for n in names}
_LONGEST_BANK_NAME = max(map(len, _BANK_OF))
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d){5,18}")
_ACCOUNT_WORDS = re.compile(r"\b(stk|so tk|so tai khoan|tai khoan|account|acc|tk)\b")
BANK_WINDOW = 48


def _bank_accounts(text: str, spans: Spans | None = None) -> Iterator[Found]:
    """Digit runs with a bank's name within BANK_WINDOW characters.

    Names are read as one scan of the whole text (folded, as whole words) would find them, so a name the window
    cuts counts whole (``Cake by VPBank`` is CAKE, not VPB; ``xtimo`` is no name); but only the stretches around
    the digit runs are folded and scanned (:func:`_bank_names`): text is mostly words, numbers are few.
    Given the numeric stretches, the names are looked for around them first: a text full of numbers and no bank
    (a log, a table) costs one scan, not a look at every number.
    """
    n = len(text)
    banks = None
    if spans is not None:  # every digit run lies in a stretch: the names near the stretches include those near runs
        around: list[tuple[int, int]] = []
        for start, end in spans:  # in order: widened, and merged where they meet (a table's numbers are one stretch)
            low, high = max(0, start - BANK_WINDOW) - _LONGEST_BANK_NAME, min(n, end + BANK_WINDOW)
            if around and low <= around[-1][1]:
                around[-1] = (around[-1][0], max(high, around[-1][1]))
            else:
                around.append((low, high))
        banks = _bank_names(text, around)
        if not banks:
            return
    runs = []
    for m in _in_spans(_DIGIT_RUN, text, spans):
        if not _free(text, m.start(), m.end(), before=".,", after=""):
            continue
        digits = re.sub(r"\D", "", m.group())
        if 6 <= len(digits) <= 19:
            runs.append((m.start(), m.end(), digits))
    if not runs:
        return
    windows = [(max(0, start - BANK_WINDOW), min(n, end + BANK_WINDOW)) for start, end, _digits in runs]
    if banks is None:
        banks = _bank_names(text, [(left - _LONGEST_BANK_NAME, right) for left, right in windows])
    if not banks:
        return  # no bank is named near any digit run
    starts = [b[0] for b in banks]
    phones: set[tuple[int, int]] | None = None
    cards: set[str] | None = None
    for (start, end, digits), (left, right) in zip(runs, windows, strict=True):
        near = [(min(abs(start - b_end), abs(b_start - end)), code)
                for b_start, b_end, code in banks[bisect_left(starts, left - _LONGEST_BANK_NAME):
                                                  bisect_left(starts, right)]
                if b_end > left]
        if not near:
            continue
        if phones is None:
            phones = {(f.start, f.end) for f in _phones(text, spans)}
        card = False
        if len(digits) >= 13 and _CARD_PREFIX.match(digits):  # only then can the card rule have read these digits
            if cards is None:
                cards = {f.value for f in _cards(text, spans)}
            card = digits in cards
        if card or (start, end) in phones:
            words_from = max(left, start - 16)
            before = max(0, words_from - 1)  # one character more: the word boundary at words_from
            if not _ACCOUNT_WORDS.search(plain(text[before:start]), words_from - before):
                # a phone number or a card number beside a bank's name is an account only when called one (MB
                # lets a phone number be the account; a card's number printed beside its issuer is a card)
                continue
        code = min(near)[1]
        yield Found("bank_account", f"{code}:{digits}", f"{code} {digits}", "bank_account.near_bank", start, end)


def _bank_names(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, bank code) of the bank names starting within ``ranges``, in order, exactly as one scan of the
    whole folded text finds them (leftmost, longest first, not overlapping), folding and scanning only the ranges.

    A scan from a position no name candidate crosses finds what the whole scan finds from there (the whole scan's
    previous match ends at or before it), so each range is scanned from such a position (:func:`_uncrossed`)."""
    n = len(text)
    found: list[tuple[int, int, str]] = []
    merged: list[list[int]] = []
    for low, high in sorted((max(0, low), high) for low, high in ranges):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    for low, high in merged:
        begin = _uncrossed(text, low)
        offset = max(0, begin - 1)  # one character before: the word boundary at begin
        folded = plain(text[offset:min(n, high + _LONGEST_BANK_NAME + 1)])
        for b in _BANK_NAMES.finditer(folded, begin - offset):
            start = b.start() + offset
            if start >= high:
                break
            if start >= low and (not found or start >= found[-1][1]):
                found.append((start, b.end() + offset, _BANK_OF[b.group(1)]))
    return found


def _uncrossed(text: str, at: int) -> int:
    """A position at or before ``at`` that no bank name (a whole-word candidate, chosen or not) crosses."""
    while at > 0:
        offset = max(0, at - _LONGEST_BANK_NAME - 1)
        folded = plain(text[offset:at + _LONGEST_BANK_NAME + 1])
        crossing = next((p for p in range(max(0, at - _LONGEST_BANK_NAME), at)
                         if (m := _BANK_NAMES.match(folded, p - offset)) and m.end() + offset > at), None)
        if crossing is None:
            return at
        at = crossing
    return 0


_CARD = re.compile(r"\d{4}(?:[ \-]?\d{2,4}){2,4}")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|35|6|9704|62)")


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _cards(text: str, spans: Spans | None = None) -> Iterator[Found]:
    for m in _in_spans(_CARD, text, spans):
        if not _free(text, m.start(), m.end()):
            continue
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn(digits) and len(set(digits)) > 1:
            yield Found("card", digits, " ".join(digits[i:i + 4] for i in range(0, len(digits), 4)), "card.luhn",
                        m.start(), m.end())


# -- crypto ------------------------------------------------------------------------------------------------------
_BTC58 = re.compile(r"[13][1-9A-HJ-NP-Za-km-z]{25,34}")
_TRON = re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}")
_BECH32 = re.compile(r"(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87}")
_ETH = re.compile(r"0x[0-9a-fA-F]{40}")


def _base58check(address: str) -> bytes | None:
    import base58

    try:
        return bytes(base58.b58decode_check(address))
    except ValueError:
        return None


def eip55_ok(address: str) -> bool:
    from Crypto.Hash import keccak

    body = address[2:]
    digest = keccak.new(digest_bits=256, data=body.lower().encode()).hexdigest()
    return all((c.upper() if int(digest[i], 16) >= 8 else c.lower()) == c for i, c in enumerate(body))


BECH32M_CONST = 0x2BC830A3  # BIP 350: the checksum constant of witness versions 1-16 (Taproot)


def _segwit_ok(address: str) -> bool:
    """A Bitcoin SegWit address: version 0 in bech32 (BIP 173), versions 1-16 in bech32m (BIP 350)."""
    import bech32

    version, program = bech32.decode("bc", address)
    if version is not None and program is not None:
        return True  # v0, bech32 checksum verified by the reference implementation
    hrp, _, body = address.rpartition("1")
    if hrp != "bc" or len(body) < 7 or any(c not in bech32.CHARSET for c in body):
        return False
    data = [bech32.CHARSET.find(c) for c in body]
    if bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data) != BECH32M_CONST:
        return False
    program = bech32.convertbits(data[1:-6], 5, 8, False)
    return 1 <= data[0] <= 16 and program is not None and 2 <= len(program) <= 40 and (
        data[0] != 1 or len(program) == 32)


def _crypto(text: str) -> Iterator[Found]:
    for m in _BTC58.finditer(text):
        if not _free(text, m.start(), m.end()):
            continue
        payload = _base58check(m.group())
        if payload is not None and len(payload) == 21 and payload[0] in (0x00, 0x05):
            yield Found("crypto_wallet", f"btc:{m.group()}", f"Bitcoin {m.group()}", "crypto.btc.base58check",
                        m.start(), m.end())
    for m in _TRON.finditer(text):
        if not _free(text, m.start(), m.end()):
            continue
        payload = _base58check(m.group())
        if payload is not None and len(payload) == 21 and payload[0] == 0x41:
            yield Found("crypto_wallet", f"tron:{m.group()}", f"TRON {m.group()}", "crypto.tron.base58check",
                        m.start(), m.end())
    for m in _BECH32.finditer(text) if "bc1" in text or "BC1" in text else ():

        address = m.group()
        if (address != address.lower() and address != address.upper()) or not _free(text, m.start(), m.end()):
            continue
        if _segwit_ok(address.lower()):
            yield Found("crypto_wallet", f"btc:{address.lower()}", f"Bitcoin {address.lower()}", "crypto.btc.bech32",
                        m.start(), m.end())
    for m in _ETH.finditer(text):
        if not _free(text, m.start(), m.end()):
            continue
        address = m.group()
        body = address[2:]
        if body.lower() == body or body.upper() == body:
            rule = "crypto.eth.no_checksum"
        elif eip55_ok(address):
            rule = "crypto.eth.eip55"
        else:
            continue
        yield Found("crypto_wallet", f"eth:{address.lower()}", f"Ethereum {address}", rule, m.start(), m.end())


# -- CCCD and plates (only where the words around say so) ------------------------------------------------------
_ID_WORDS = re.compile(r"\b(cccd|can cuoc|cmnd|cmt|chung minh nhan dan|so dinh danh|dinh danh ca nhan)\b")
_ID_NUMBER = re.compile(r"(?<![\d\w])(\d{12}|\d{9})(?![\d\w])")
_PLATE_WORDS = re.compile(r"\b(bien so|bks|bien kiem soat|bsx|bien so xe)\b")
_PLATE = re.compile(r"(?<![\w])(\d{2})\s?-?\s?([A-Z]{1,2}\d?)\s?-?\s?(\d{3}\.?\d{2}|\d{4})(?![\w])")
CONTEXT_WINDOW = 40


_CONTEXT_HINTS = ("cccd", "cmnd", "cmt", "căn cước", "can cuoc", "định danh", "dinh danh", "chứng minh",
                  "chung minh", "biển", "bien so", "bien kiem", "bks", "bsx")


def _ids_and_plates(text: str, lower: str) -> Iterator[Found]:
    if not any(hint in lower for hint in _CONTEXT_HINTS):
        return
    folded = plain(text)
    for words in _ID_WORDS.finditer(folded):
        window_end = min(len(text), words.end() + CONTEXT_WINDOW)
        for m in _ID_NUMBER.finditer(text, words.end(), window_end):
            number = m.group(1)
            if len(number) == 12 and not (1 <= int(number[:3]) <= 96):
                continue
            yield Found("national_id", number, number, "cccd.context" if len(number) == 12 else "cmnd.context",
                        m.start(), m.end())
            break
    for words in _PLATE_WORDS.finditer(folded):
        window_end = min(len(text), words.end() + CONTEXT_WINDOW)
        plate = _PLATE.search(text, words.end(), window_end)
        if plate and 11 <= int(plate.group(1)) <= 99:
            value = f"{plate.group(1)}{plate.group(2)}{plate.group(3).replace('.', '')}"
            yield Found("vehicle_plate", value, f"{plate.group(1)}{plate.group(2)}-{plate.group(3)}", "plate.context",
                        plate.start(), plate.end())


# -- all rules -------------------------------------------------------------------------------------------------
def find_entities(text: str) -> list[Found]:
    """Every entity the rules find in ``text`` (deduplicated by value and position)."""
    if not text:
        return []
    found: dict[tuple[str, str, int], Found] = {}
    four, six = numeric_spans(text)
    lower = text.lower()  # one lower case for the rules that look for words
    for finder in (_phones(text, six), _emails(text), _urls(text, lower), _ips(text, four), _cards(text, six),
                   _crypto(text), _bank_accounts(text, six), _ids_and_plates(text, lower)):
        for f in finder:
            found.setdefault((f.type, f.value, f.start), f)
    return list(found.values())


TYPES = ("phone", "email", "url", "domain", "ip", "account", "bank_account", "card", "crypto_wallet",
         "national_id", "vehicle_plate")


def normalise(value: str, entity_type: str | None = None) -> list[tuple[str, str]]:
    """(type, value) candidates a user's query may mean: ``0912.345.678`` is ``phone +84912345678``."""
    text = value.strip()
    if entity_type:
        if entity_type == "phone":
            phone = normalise_phone(text)
            return [("phone", phone or text)]
        return [(entity_type, f.value) for f in find_entities(text) if f.type == entity_type] or [
            (entity_type, text.lower() if entity_type in ("email", "domain") else text)]
    whole = [f for f in find_entities(text) if f.start == 0 and f.end >= len(text.rstrip("/")) - 1]
    if whole:
        return [(f.type, f.value) for f in whole]
    return [(t, text) for t in TYPES] + [(t, text.lower()) for t in ("email", "domain")]

