"""Entities: published checksum test vectors, Vietnamese phone formats and the 2018 conversion, bank context,
occurrences across cases, the entity card, watch lists and alerts."""

from __future__ import annotations

import json

import pytest

from collectors.social.post_record import Comment, Person, PostRecord, TimeValue
from evidence_store import entity_store
from forensics_app.services import analysis, entities
from forensics_app.services.entity_rules import find_entities, luhn, normalise

from .helpers import add


def _found(text: str, kind: str) -> list[tuple[str, str]]:
    return [(f.value, f.rule) for f in find_entities(text) if f.type == kind]


@pytest.mark.parametrize("text,value,rule", [
    ("0912.345.678", "+84912345678", "phone.vn.mobile"),
    ("+84 912 345 678", "+84912345678", "phone.vn.mobile"),
    ("(+84) 91 234 5678", "+84912345678", "phone.vn.mobile"),
    ("84912345678", "+84912345678", "phone.vn.mobile"),
    ("0912-345-678", "+84912345678", "phone.vn.mobile"),
    # the 2018 conversion: 0168 (Viettel) -> 038, 0120 (MobiFone) -> 070, 0123 (VinaPhone) -> 083, 0199 -> 059
    ("0168 123 4567", "+84381234567", "phone.vn.mobile_11digit"),
    ("01203456789", "+84703456789", "phone.vn.mobile_11digit"),
    ("0123.456.7890", "+84834567890", "phone.vn.mobile_11digit"),
    ("0199 888 7777", "+84598887777", "phone.vn.mobile_11digit"),
    ("024 3825 1234", "+842438251234", "phone.vn.landline"),
])
def test_vietnamese_phone_numbers(text, value, rule):
    assert _found(f"Liên hệ {text} ngay", "phone") == [(value, rule)]
    assert normalise(text) == [("phone", value)]


@pytest.mark.parametrize("text", ["0112345678", "091234567", "12345678901234", "2024.01.15", "0912345678901"])
def test_not_phone_numbers(text):
    assert _found(f"số {text} ", "phone") == []


# Published test vectors: BIP 13/16 and the genesis block (base58check), BIP 173 and BIP 350 (bech32/bech32m),
# EIP-55's own examples, TRON's USDT contract, and card numbers the networks publish for testing.
@pytest.mark.parametrize("address,rule", [
    ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "crypto.btc.base58check"),
    ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "crypto.btc.base58check"),
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "crypto.btc.bech32"),
    ("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "crypto.btc.bech32"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "crypto.btc.bech32"),
    ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "crypto.eth.eip55"),
    ("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "crypto.eth.eip55"),
    ("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "crypto.eth.eip55"),
    ("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "crypto.eth.eip55"),
    ("0x52908400098527886e0f7030069857d2e4169ee7", "crypto.eth.no_checksum"),
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "crypto.tron.base58check"),
])
def test_valid_wallets(address, rule):
    assert [r for _v, r in _found(f"ví: {address}.", "crypto_wallet")] == [rule]


@pytest.mark.parametrize("address", [
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # last character changed: checksum fails
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # BIP 173 invalid checksum
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",  # BIP 350: v16 with the bech32 (not bech32m) checksum
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4",  # mixed case
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # EIP-55 case of the last letter flipped
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
])
def test_invalid_wallets_are_not_entities(address):
    assert _found(f"ví: {address}.", "crypto_wallet") == []


def test_an_address_with_a_port_that_is_not_a_number_is_no_address():
    assert _found("xem http://a.b:.- hoặc https://x.vn:8080/a", "url") == [("https://x.vn:8080/a", "url")]


def test_number_rules_read_numbers_anywhere_in_long_text():
    """The number rules read only the stretches where digits are: numbers at the start, the end and amid words."""
    filler = "chuyển khoản qua ngân hàng " * 400
    text = f"0912345678 {filler} Vietcombank STK 0071000123456 {filler} 10.0.0.1 {filler} 4111 1111 1111 1111"
    found = {(f.type, f.value) for f in find_entities(text)}
    assert {("phone", "+84912345678"), ("bank_account", "VCB:0071000123456"), ("ip", "10.0.0.1"),
            ("card", "4111111111111111")} <= found


def test_cards_luhn():
    assert luhn("4111111111111111") and not luhn("4111111111111112")
    found = _found("thẻ 4111 1111 1111 1111, 5555-5555-5555-4444, 9704 0000 0000 0018; sai 4111 1111 1111 1112",
                   "card")
    assert [v for v, _r in found] == ["4111111111111111", "5555555555554444", "9704000000000018"]


def test_bank_accounts_near_bank_names():
    text = ("Chuyển khoản vào STK 19036677889900 Techcombank chủ TK Nguyen Van A. "
            "Hoặc Ngân hàng TMCP Ngoại thương (VCB) số 0071 0001 23456. "
            "Gọi 0912345678 để được hỗ trợ, mã đơn 123456789 không kèm ngân hàng nào cả ở đây nhé bạn ơi.")
    assert _found(text, "bank_account") == [("TCB:19036677889900", "bank_account.near_bank"),
                                            ("VCB:0071000123456", "bank_account.near_bank")]
    # MB lets a phone number be the account number: an account only when called one
    assert _found("MB Bank stk 0912345678", "bank_account") == [("MB:0912345678", "bank_account.near_bank")]
    assert _found("MB Bank hotline 0912345678", "bank_account") == []
    # a card's number beside its issuer is a card, not also an account, unless it is called one
    issuer = "thẻ Vietcombank Visa 4111 1111 1111 1111 hết hạn 09/27"
    assert _found(issuer, "bank_account") == [] and _found(issuer, "card") == [("4111111111111111", "card.luhn")]
    assert _found("Vietcombank STK 4111111111111111", "bank_account") == [("VCB:4111111111111111",
                                                                           "bank_account.near_bank")]


def test_ids_and_plates_only_in_context():
    assert _found("Số CCCD: 001098012345 cấp ngày", "national_id") == [("001098012345", "cccd.context")]
    assert _found("mã giao dịch 001098012345", "national_id") == []
    assert _found("xe biển số 29A-123.45 màu đen", "vehicle_plate") == [("29A12345", "plate.context")]
    assert _found("BKS: 51F1 12345", "vehicle_plate") == [("51F112345", "plate.context")]
    assert _found("mã 29A-123.45", "vehicle_plate") == []


def test_urls_domains_accounts_ips_emails():
    text = ("Trang https://www.facebook.com/profile.php?id=100004567890123 và https://facebook.com/nguyen.van.a, "
            "https://www.tiktok.com/@lua.dao/video/7 ; mail Lua.Dao@Gmail.com ; máy chủ 203.0.113.9 và 2001:db8::1; "
            "không phải 999.1.1.1")
    assert sorted(_found(text, "account")) == [("facebook:#100004567890123", "account.facebook.url"),
                                               ("facebook:@nguyen.van.a", "account.facebook.url"),
                                               ("tiktok:@lua.dao", "account.tiktok.url")]
    assert sorted(v for v, _r in _found(text, "domain")) == ["facebook.com", "facebook.com", "tiktok.com"]
    assert _found(text, "email") == [("lua.dao@gmail.com", "email")]
    assert sorted(v for v, _r in _found(text, "ip")) == ["2001:db8::1", "203.0.113.9"]


def _post(post_author: Person, commenters: list[Person], text: str) -> bytes:
    record = PostRecord(platform="facebook", content_type="post", url="https://www.facebook.com/x/posts/1",
                        author=post_author, text=text,
                        published=TimeValue("2025-03-01T02:00:00Z", "1 tháng 3 lúc 09:00", "shown local time", 60),
                        comments=[Comment(id=f"c{n}", author=p, text=f"bình luận {n}",
                                          time=TimeValue(f"2025-03-0{n + 1}T01:00:00Z", "2 ngày", "relative", 86400))
                                  for n, p in enumerate(commenters, 1)])
    return json.dumps(record.to_json(), ensure_ascii=False).encode()


def test_occurrences_cross_case_card_and_watch_alerts(vault, case):
    scammer = Person(name="Shop Uy Tín", handle="shop.uytin", profile_url="https://www.facebook.com/shop.uytin",
                     id="100081234567890")
    victim = Person(name="Trần B", handle="tran.b", id="100070000000001")
    add(vault, case, "post.json", _post(scammer, [victim], "Chuyển khoản Vietcombank STK 0071000123456, "
                                                           "Zalo 0912.345.678"), kind="social_post")
    other = vault.create_case("VV-2026-002", "Vụ khác")
    add(vault, other, "ghi chu.txt", "Nạn nhân chuyển vào VCB 0071 0001 23456, gọi +84 912 345 678".encode())
    analysis.index_pending(vault)

    [phone_card] = entities.show(vault, "0912 345 678")
    assert phone_card.entity.value == "+84912345678"
    assert [c["number"] for c in phone_card.cases] == ["VV-2026-001", "VV-2026-002"]
    assert {o.place for o in phone_card.occurrences} == {"post", "offset 0"}
    assert all("⟦" in o.snippet for o in phone_card.occurrences)
    linked = {e.value for e, _n in phone_card.linked}
    assert {"facebook:@shop.uytin", "facebook:#100081234567890", "VCB:0071000123456"} <= linked
    assert phone_card.first_seen is not None and phone_card.first_seen <= phone_card.last_seen  # type: ignore[operator]

    [account] = entities.show(vault, "100081234567890", "account")  # a numeric id typed alone is ambiguous
    [post_author] = [o for o in account.occurrences if o.place == "post author"]
    assert post_author.seen_at == "2025-03-01T02:00:00Z" and post_author.rule == "account.facebook.record"
    assert entities.list_entities(vault, "VV-2026-002", "bank_account")[0].value == "VCB:0071000123456"

    [bank] = entities.show(vault, "0071 0001 23456")  # an account number without its bank finds it
    assert bank.entity.value == "VCB:0071000123456" and len(bank.cases) == 2

    [(watch, existing)] = entities.watch(vault, ["+84 912 345 678"])
    assert (watch.type, watch.value, existing) == ("phone", "+84912345678", 2)
    third = vault.create_case("VV-2026-003", "Vụ mới")
    add(vault, third, "tin nhắn.txt", "Liên hệ anh Tư: 0912345678".encode())
    analysis.index_pending(vault)
    alerts = [a for a in entity_store.alerts(vault) if a.value == "+84912345678"]
    assert len(alerts) == 3 and alerts[-1].case_id == third.id and "0912345678" in alerts[-1].snippet
    analysis.rebuild(vault)  # a rebuilt index raises no second alert for the same place
    assert len([a for a in entity_store.alerts(vault) if a.value == "+84912345678"]) == 3
    actions = [e.record["action"] for e in vault.custody.entries()]
    assert "entity.watch.add" in actions


def test_plain_folds_every_character_as_its_table_says_once() -> None:
    """``plain`` replaces character by character; the same as translating with its table (no folded letter is
    folded again), lengths kept so offsets stay valid."""
    from forensics_app.services import entity_rules

    text = "".join(chr(code) for code in range(0x20, 0x2100)) + "Nội dung ĐƯỢC chuyển khoản Ngoại Thương"
    folded = entity_rules.plain(text)
    assert folded == text.translate({ord(k): v for k, v in entity_rules._PLAIN.items()})
    assert len(folded) == len(text) and entity_rules.plain("Ngoại Thương ĐÀ") == "ngoai thuong da"


def test_bank_names_read_in_stretches_are_those_of_one_whole_scan() -> None:
    """Only the stretches around numbers are folded and scanned for bank names, from a place no name crosses:
    what they find is what one scan of the whole folded text finds (leftmost, longest first, not overlapping),
    on texts full of names that overlap each other ("Cake by VPBank", "MB Bank", "ngân hàng quốc tế")."""
    import random

    from forensics_app.services import entity_rules

    names = [n for ns in entity_rules.BANKS.values() for n in ns]
    words = ["Ngân hàng", "Ngoại thương", "đầu tư và phát triển", "Cake by VPBank", "MB Bank", "ĐÔNG NAM Á", "xtimo",
             "cake", "by", "bank", "vp", "và", "phát", "triển", "nông", "thôn", "stk", ",", ".", "-", "\n"]
    rng = random.Random(17)
    for _ in range(3000):
        text = rng.choice([" ", "", "  "]).join(rng.choice(names) if rng.random() < 0.35 else rng.choice(words)
                                                 for _ in range(rng.randint(1, 50)))
        text = text.upper() if rng.random() < 0.3 else text
        whole = [(b.start(), b.end(), entity_rules._BANK_OF[b.group(1)])
                 for b in entity_rules._BANK_NAMES.finditer(entity_rules.plain(text))]
        ranges = sorted((a, a + rng.randint(1, 40)) for a in rng.sample(range(len(text) + 1), min(4, len(text) + 1)))
        expected = [b for b in whole if any(low <= b[0] < high for low, high in ranges)]
        assert entity_rules._bank_names(text, ranges) == expected, (text, ranges)


def _analysis_rows(vault) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """What indexing stored, without row ids: pieces, occurrences (with their entity) and item states."""
    conn = vault.conn
    return (conn.execute("SELECT item_id, case_id, kind, place, body FROM search_docs ORDER BY id").fetchall(),
            conn.execute("SELECT e.type, e.value, o.item_id, o.case_id, o.place, o.snippet, o.rule FROM"
                         " entity_occurrences o JOIN entities e ON e.id = o.entity_id ORDER BY o.id").fetchall(),
            conn.execute("SELECT item_id, case_id, status, reason, extractor, chars FROM index_items"
                         " ORDER BY item_id").fetchall())


def test_rules_in_a_forked_process_find_what_one_process_finds(vault, case, monkeypatch):
    """Indexing with the entity rules in a child process (a large run) stores exactly what indexing in this
    process stores (pieces, occurrences in order, states), over several cases; a cancel stops it cleanly."""
    from evidence_store.tasks import CancelToken
    from forensics_app.services import entity_pool

    other = vault.create_case("VV-2026-002", "Vụ khác")
    for n in range(24):
        text = (f"Chuyển khoản Vietcombank STK 00710001{n:05d}, gọi 0912.345.{n:03d} hoặc 0168 123 {n:04d}; "
                f"https://www.facebook.com/shop.{n} thẻ 4111 1111 1111 1111 ") * (n + 1)
        add(vault, case if n % 3 else other, f"f{n}.txt", text.encode())
    add(vault, case, "post.json", _post(Person(name="A", handle="a.b", id="100081234567890"), [], "STK 0071000123456"
                                        " Techcombank"), kind="social_post")
    monkeypatch.setattr(entity_pool, "MIN_ITEMS", 1)
    monkeypatch.setattr(analysis, "POOL_BATCH_CHARS", 2000)  # many batches, several in the child's hands at once
    forked = []
    monkeypatch.setattr(entity_pool.EntityPool, "submit",
                        lambda self, texts, submit=entity_pool.EntityPool.submit: forked.append(1) or submit(self, texts))
    token = CancelToken()
    report = analysis.index_pending(vault, progress=lambda done, _t, _l: done == 10 and token.cancel(), cancel=token)
    assert report.cancelled and report.items == 0 and forked
    report = analysis.index_pending(vault)
    assert report.items == 25 and report.occurrences > 100 and len(forked) > 3
    in_child = _analysis_rows(vault)
    monkeypatch.setattr(entity_pool, "available", lambda: False)
    forked.clear()
    analysis.rebuild(vault)
    assert not forked and _analysis_rows(vault) == in_child
    assert {f"VCB:00710001{n:05d}" for n in range(24)} | {"TCB:0071000123456"} <= {
        o[1] for o in in_child[1] if o[0] == "bank_account"}


def test_rules_from_a_worker_thread_run_in_a_process_of_the_fork_server(vault, case, monkeypatch):
    """The desktop app indexes in a worker thread, which must not fork: its rules process comes from the fork
    server (a fresh process) and finds what the reading thread finds."""
    from forensics_app.services import entity_pool

    from ..worker_thread import in_a_worker_thread, record_helper_starts

    for n in range(12):
        add(vault, case, f"g{n}.txt", f"STK 00710001{n:05d} Vietcombank, gọi 0912.345.{n:03d} ".encode() * (n + 1))
    monkeypatch.setattr(entity_pool, "MIN_ITEMS", 1)
    monkeypatch.setattr(analysis, "POOL_BATCH_CHARS", 500)
    started = record_helper_starts(monkeypatch, entity_pool)
    report = in_a_worker_thread(vault, analysis.index_pending, timeout=120)
    assert report.items == 12 and set(started) == {("gui-worker", "forkserver")} and len(started) >= 2
    in_child = _analysis_rows(vault)
    monkeypatch.setattr(entity_pool, "available", lambda: False)
    analysis.rebuild(vault)
    assert _analysis_rows(vault) == in_child and len(in_child[1]) >= 36


def test_number_rules_find_over_the_numeric_stretches_what_they_find_over_the_whole_text():
    """The number rules read only where numbers are (and the bank rule looks for names around those stretches
    first): on texts mixing numbers, separators, bank names with and without marks, account words and filler,
    they find exactly what a scan of the whole text finds."""
    import random

    from forensics_app.services import entity_rules as rules

    pieces = ["0912.345.678", "+84 912 345 678", "(+84) 91 234 5678", "0168 123 4567", "4111 1111 1111 1111",
              "5555-5555-5555-4444", "0071 0001 23456", "19036677889900", "10.0.0.1", "203.0.113.9", "123456",
              "12-34-56-78", "99.999.999", "Vietcombank", "Ngân hàng TMCP Ngoại Thương", "MB Bank", "mb", "Techcombank",
              "NGÂN HÀNG QUÂN ĐỘI", "Cake by VPBank", "xtimo", "Timo", "STK", "số tài khoản", "tk:", "thẻ", "hotline",
              "nội dung", "chuyển khoản", "—", ",", ".", "(", ")", "\n", "  ", "-", "ở đây"]
    rng = random.Random(20261207)
    for _ in range(400):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.3:
            text = text.replace(" ", "")
        four, six = rules.numeric_spans(text)
        for rule, spans in ((rules._phones, six), (rules._cards, six), (rules._bank_accounts, six),
                            (rules._ips, four)):
            whole = sorted((f.type, f.value, f.start, f.end) for f in rule(text, None))
            stretches = sorted((f.type, f.value, f.start, f.end) for f in rule(text, spans))
            assert stretches == whole, (rule.__name__, text)
