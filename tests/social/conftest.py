"""Social capture fixtures: the local platforms (one server per session) and the posts they show.

Tests that capture share a browser through one ``capture_social`` batch per
module, into a module vault that must verify clean afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.web import CaptureOptions
from evidence_store import Vault
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.web.conftest import fast_options
from tests.web.site import make_video

from .pages.data import FakePerson, FakePost, make_comments, person
from .site import PlatformSite, make_platform_certificate

AUTHOR = FakePerson("Nguyễn Văn Tin Giả", "nguyen.van.tingia", "100012345678901")
FB_POST = FakePost("pfbid02Xy7aBcD", AUTHOR, "Cảnh báo: tin nóng về dịch bệnh ở phường Thử Nghiệm, mọi người chia sẻ gấp!",
                   hidden_tail="Phần cuối chỉ hiện sau khi bấm Xem thêm: nguồn tin chưa được kiểm chứng.",
                   comments=make_comments(45, replies_every=10, replies=2, hidden=1))
FB_VIDEO = FakePost("1234567890123456", AUTHOR, "Video: clip được cắt ghép, lan truyền sai sự thật", images=0, video=True,
                    comments=make_comments(3, prefix="v"))
FB_GROUP_POST = FakePost("7001", person(1), "Bài trong nhóm kín: chỉ thành viên đăng nhập mới xem được.",
                         comments=make_comments(3, prefix="g"))
YT_VIDEO = FakePost("Vd0tEsT1234", person(2), "Video thử nghiệm: phóng sự về lừa đảo qua mạng #canhbao",
                    hidden_tail="Mô tả đầy đủ của video.", views=123456, comments=make_comments(30, replies_every=7))
TT_VIDEO = FakePost("7430000000000000001", person(4), "Clip ngắn lan truyền tin sai sự thật", views=98765,
                    comments=make_comments(25, replies_every=10))
X_POST = FakePost("1850000000000000001", person(5), "Thông tin chưa kiểm chứng về vụ việc", comments=make_comments(25))
TG_POSTS = {"tinnhanh24h/101": FakePost("tg101", person(6), "Tin thứ nhất của kênh", views=1200),
            "tinnhanh24h/102": FakePost("tg102", person(6), "Tin có ảnh: hình ảnh hiện trường", views=5400, images=2),
            "tinnhanh24h/103": FakePost("tg103", person(6), "Tin thứ ba (video)", views=800, images=0, video=True)}
ZALO_ARTICLE = FakePost("bai-viet-1", person(7), "Thông báo: cảnh giác với cuộc gọi giả danh công an", views=4321)
IG_POST = FakePost("DBx1AbCdEfG", person(8), "Ảnh hiện trường vụ việc, chưa rõ nguồn gốc",
                   comments=make_comments(30, replies_every=10, replies=1))
FORUM = FakePost("chu-de-42", person(9), "Chủ đề: có ai bị lừa qua trang bán hàng này chưa?",
                 comments=make_comments(4, replies_every=2, replies=1))
CLIP = FakePost("clip-7", person(10), "Đoạn video trên trang tin không thuộc nền tảng lớn", images=0)


@pytest.fixture(scope="session")
def platform_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformSite]:
    folder = tmp_path_factory.mktemp("platforms")
    try:
        site = PlatformSite(make_platform_certificate(folder), make_video(folder))
    except PermissionError:
        pytest.fail("the platform test site listens on port 443 of a loopback address: run the tests as root or "
                    "with CAP_NET_BIND_SERVICE", pytrace=False)
    site.data["facebook"].update({FB_POST.id: FB_POST, FB_GROUP_POST.id: FB_GROUP_POST, FB_VIDEO.id: FB_VIDEO})
    site.data["youtube"][YT_VIDEO.id] = YT_VIDEO
    site.data["tiktok"][TT_VIDEO.id] = TT_VIDEO
    site.data["x"][X_POST.id] = X_POST
    site.data["telegram"].update(TG_POSTS)
    site.data["zalo"][ZALO_ARTICLE.id] = ZALO_ARTICLE
    site.data["instagram"][IG_POST.id] = IG_POST
    site.data["generic"].update({FORUM.id: FORUM, CLIP.id: CLIP})
    yield site
    site.stop()
    assert not site.errors, site.errors


def site_options(site: PlatformSite, **changes: Any) -> CaptureOptions:
    """Fast web options that reach the local platforms (host rules, the test CA, loopback allowed)."""
    return fast_options(host_rules=site.host_rules, extra_ca_files=(str(site.tls.cert_pem),), page_timeout=180,
                        **changes)


class ModuleVault:
    def __init__(self, root: Path, number: str) -> None:
        os.environ["FORENSICS_KDF_PROFILE"] = "test"
        self.root = root
        self.vault = Vault.create(root, PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên",
                                  agency="Công an tỉnh Thử Nghiệm", unit="Phòng An ninh mạng")
        self.case = self.vault.create_case(number, "Bài đăng mạng xã hội / Social-media posts")

    def close(self) -> None:
        assert_verifies_clean(self.vault)
        self.vault.close()


@pytest.fixture(scope="module")
def module_vault(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[ModuleVault]:
    holder = ModuleVault(tmp_path_factory.mktemp("vault") / "vault", f"VV-MXH-{request.module.__name__[-12:]}")
    yield holder
    holder.close()
