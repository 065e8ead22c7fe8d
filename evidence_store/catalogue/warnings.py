"""What each warning code means, in words, in both languages.

A warning on an item carries its own sentence (what was observed, with its
numbers). This table gives each code a short name (shown where the code would
be: tables, the report's deviations) and what it means for the evidence (the
user guide's list of warnings is made from it). ``tests/test_catalogue.py``
reads every warning the code can raise and fails on a code missing here.
"""

from __future__ import annotations

from typing import NamedTuple

from . import MissingText


class WarningText(NamedTuple):
    label_en: str
    label_vi: str
    meaning_en: str
    meaning_vi: str


W = WarningText
WARNINGS: dict[str, WarningText] = {
    # -- web pages -------------------------------------------------------------------------------------------
    "clock_not_checked": W(
        "Clock not checked", "Chưa kiểm tra đồng hồ",
        "No time server answered, so the workstation's clock was not compared with an outside source; the times "
        "recorded are the workstation's own. Check the time server in Settings.",
        "Không máy chủ thời gian nào trả lời nên đồng hồ máy trạm chưa được đối chiếu với nguồn bên ngoài; thời "
        "điểm ghi nhận là giờ của chính máy trạm. Hãy kiểm tra máy chủ thời gian trong Cài đặt."),
    "load_timeout": W(
        "Page did not finish loading", "Trang chưa tải xong",
        "The page was still loading when the time limit ran out; it was captured as it was then.",
        "Hết thời gian cho phép mà trang vẫn đang tải; trang được thu thập ở trạng thái lúc đó."),
    "network_not_idle": W(
        "Network still busy", "Mạng chưa dừng",
        "The page kept making requests; those still running were captured as far as they had come.",
        "Trang vẫn tiếp tục gửi yêu cầu; các yêu cầu đang chạy được thu thập đến mức đã nhận được."),
    "scroll_time_limit": W(
        "Scrolling stopped by the time limit", "Dừng cuộn do hết thời gian",
        "The page kept loading more content as it was scrolled (endless scrolling); scrolling stopped at the time "
        "limit, so content further down was not loaded.",
        "Trang liên tục tải thêm nội dung khi cuộn (cuộn vô hạn); việc cuộn dừng khi hết thời gian nên phần nội "
        "dung phía dưới không được tải."),
    "scroll_height_limit": W(
        "Scrolling stopped by the height limit", "Dừng cuộn do giới hạn chiều cao",
        "Scrolling stopped at the page height limit set in the capture options; the page is taller.",
        "Việc cuộn dừng ở giới hạn chiều cao đặt trong tuỳ chọn thu thập; trang còn dài hơn."),
    "page_cut": W(
        "Screenshot cut at the height limit", "Ảnh chụp bị cắt ở giới hạn chiều cao",
        "The full-page screenshot stops at the height limit; the HTML, WARC and PDF hold the whole page.",
        "Ảnh chụp toàn trang dừng ở giới hạn chiều cao; tệp HTML, WARC và PDF vẫn chứa toàn bộ trang."),
    "screenshot_in_tiles": W(
        "Screenshot stored in tiles", "Ảnh chụp lưu thành nhiều phần",
        "The page is very tall: its full-page screenshot is stored as ordered tiles (and stitched for viewing).",
        "Trang rất dài: ảnh chụp toàn trang được lưu thành các phần theo thứ tự (và ghép lại để xem)."),
    "redirect_loop": W(
        "Redirect loop", "Chuyển hướng vòng lặp",
        "The address kept redirecting without reaching a page; the redirects are recorded.",
        "Địa chỉ chuyển hướng liên tục mà không tới được trang nào; các lần chuyển hướng được ghi lại."),
    "http_error_status": W(
        "Server answered with an error status", "Máy chủ trả về mã lỗi",
        "The server answered with an HTTP error (4xx or 5xx); the answer was captured as it was. It shows what the "
        "server said at that time, not that the page never existed.",
        "Máy chủ trả lời bằng mã lỗi HTTP (4xx hoặc 5xx); câu trả lời được thu thập nguyên trạng. Điều này cho "
        "biết máy chủ đã trả lời gì lúc đó, không chứng minh trang chưa từng tồn tại."),
    "response_truncated": W(
        "Responses cut off", "Phản hồi bị cắt",
        "Some responses ended before their announced length; they are kept, marked WARC-Truncated.",
        "Một số phản hồi kết thúc trước độ dài đã báo; chúng vẫn được giữ và đánh dấu WARC-Truncated."),
    "requests_failed": W(
        "Requests failed at the network", "Yêu cầu lỗi mạng",
        "Some requests of the page (images, scripts…) failed at the network; each was tried. The page may lack "
        "those parts. A failed request does not show that the resource was deleted.",
        "Một số yêu cầu của trang (ảnh, mã lệnh…) bị lỗi mạng; từng yêu cầu đã được thử. Trang có thể thiếu các "
        "phần đó. Yêu cầu lỗi không chứng minh tài nguyên đã bị xoá."),
    "requests_cut": W(
        "Requests cut by the end of the capture", "Yêu cầu bị cắt khi kết thúc thu thập",
        "Some requests were still running when the capture ended (after waiting for them); they were cut.",
        "Một số yêu cầu vẫn đang chạy khi việc thu thập kết thúc (sau khi đã chờ); chúng bị cắt."),
    "requests_blocked": W(
        "Requests to local addresses refused", "Từ chối yêu cầu tới địa chỉ nội bộ",
        "The page asked for addresses of this workstation or its local network; they were refused for safety. "
        "Allow local addresses in the capture options only when the examiner means to.",
        "Trang yêu cầu tới địa chỉ của máy trạm hoặc mạng nội bộ; các yêu cầu này bị từ chối để an toàn. Chỉ cho "
        "phép địa chỉ nội bộ trong tuỳ chọn thu thập khi cán bộ chủ động muốn vậy."),
    "tls_not_verified": W(
        "Certificate not valid (captured anyway)", "Chứng thư không hợp lệ (vẫn thu thập)",
        "The site's TLS certificate did not verify; the examiner chose to capture anyway and the error is recorded.",
        "Chứng thư TLS của trang không xác minh được; cán bộ đã chọn vẫn thu thập và lỗi được ghi lại."),
    "navigation_error": W(
        "Browser error", "Trình duyệt báo lỗi",
        "The browser reported an error while opening the address; what it received is kept.",
        "Trình duyệt báo lỗi khi mở địa chỉ; những gì đã nhận được vẫn được giữ."),
    "dialog_dismissed": W(
        "Page dialog dismissed", "Đã đóng hộp thoại của trang",
        "The page showed a dialog (alert, confirm…); it was dismissed and its text recorded.",
        "Trang hiện hộp thoại (thông báo, xác nhận…); hộp thoại đã được đóng và nội dung được ghi lại."),
    "popup_opened": W(
        "Pop-up opened", "Trang mở cửa sổ bật lên",
        "The page opened another window; its address is recorded, it was not captured.",
        "Trang mở một cửa sổ khác; địa chỉ được ghi lại, cửa sổ đó không được thu thập."),
    "download_failed": W(
        "Download not finished", "Tải xuống chưa xong",
        "A file the page started to download did not finish in time.",
        "Một tệp mà trang bắt đầu tải xuống chưa xong trong thời gian cho phép."),
    "video_failed": W(
        "No video", "Không có video",
        "The session video was asked for but the recorder produced no file.",
        "Đã yêu cầu quay video phiên thu thập nhưng không có tệp video nào được tạo."),
    "behaviour_failed": W(
        "Page action failed", "Thao tác trên trang thất bại",
        "An automatic action on the page (expanding, scrolling…) failed; the page was captured without it.",
        "Một thao tác tự động trên trang (mở rộng, cuộn…) thất bại; trang được thu thập không có thao tác đó."),
    "snapshot_failed": W(
        "Part of the snapshot failed", "Một phần ảnh chụp thất bại",
        "One of the page's formats (screenshot, PDF, MHTML…) could not be made; the others are kept.",
        "Không tạo được một trong các dạng lưu trang (ảnh chụp, PDF, MHTML…); các dạng khác vẫn được giữ."),
    "mhtml_skipped": W(
        "MHTML not made (page too large)", "Không tạo MHTML (trang quá lớn)",
        "The page is larger than the MHTML limit; the WARC and the screenshot hold it.",
        "Trang lớn hơn giới hạn MHTML; tệp WARC và ảnh chụp vẫn chứa trang."),
    "links_truncated": W(
        "Link list shortened", "Danh sách liên kết bị rút gọn",
        "The page has more links than the provenance lists; the first ones are listed, all are in the HTML.",
        "Trang có nhiều liên kết hơn số được liệt kê trong hồ sơ nguồn gốc; các liên kết đầu được liệt kê, tất "
        "cả đều có trong HTML."),
    "credentials_redacted": W(
        "Credentials hidden in the record", "Đã che thông tin đăng nhập trong bản ghi",
        "Values of login headers (cookies, authorisation) were replaced by a marker in the records, so the "
        "account's secrets are not handed out with the evidence.",
        "Giá trị các tiêu đề đăng nhập (cookie, ủy quyền) được thay bằng ký hiệu trong bản ghi để bí mật của tài "
        "khoản không bị chuyển giao cùng chứng cứ."),
    "staging_on_disk": W(
        "Browser folder on disk", "Thư mục trình duyệt nằm trên ổ đĩa",
        "No memory file system was usable. The capture's parts still never touched the disk in plaintext (they "
        "waited in memory or encrypted) and downloads were taken from the recording, but the browser's own "
        "folder (its profile, not the pages' cache or cookies) was on disk until the capture was stored, and a "
        "session video and an MHTML snapshot could not be made.",
        "Không dùng được hệ thống tệp trong bộ nhớ. Các phần của lần thu thập vẫn không bao giờ nằm trên đĩa "
        "dạng chưa mã hoá (được giữ trong bộ nhớ hoặc đã mã hoá) và tệp tải xuống được lấy từ bản ghi, nhưng thư "
        "mục riêng của trình duyệt (hồ sơ, không gồm bộ nhớ đệm và cookie của trang) nằm trên ổ đĩa cho tới khi "
        "lưu xong, và không thể quay video phiên thu thập hay tạo ảnh chụp MHTML."),
    "mhtml_not_made": W(
        "MHTML not made (browser folder on disk)", "Không tạo MHTML (thư mục trình duyệt nằm trên ổ đĩa)",
        "Chromium makes its MHTML snapshot through a temporary file of its own, unencrypted, in its folder, which was "
        "on disk: it was not asked for. The WARC and the HTML hold the page.",
        "Chromium tạo ảnh chụp MHTML qua một tệp tạm của nó, không mã hoá, trong thư mục của nó, vốn nằm trên ổ đĩa: "
        "nên không yêu cầu tạo. Tệp WARC và HTML vẫn chứa trang."),
    "video_not_recorded": W(
        "Video not made", "Không quay video",
        "The session video was asked for but not made: the browser writes it to disk unencrypted and no memory "
        "file system was usable. The screenshots, HTML and WARC show the page.",
        "Đã yêu cầu quay video phiên thu thập nhưng không quay: trình duyệt ghi video ra đĩa dạng chưa mã hoá và "
        "không có hệ thống tệp trong bộ nhớ. Ảnh chụp, HTML và WARC thể hiện trang."),
    # -- social-media posts ----------------------------------------------------------------------------------
    "login_wall": W(
        "Login wall", "Trang yêu cầu đăng nhập",
        "The platform hid the post behind a login. Capture again with a login profile to see it.",
        "Nền tảng che bài đăng sau trang đăng nhập. Hãy thu thập lại với hồ sơ đăng nhập để xem."),
    "checkpoint": W(
        "Account stopped at a checkpoint", "Tài khoản bị chặn ở bước xác minh",
        "The platform stopped the account at a verification step; the post was not shown.",
        "Nền tảng chặn tài khoản ở bước xác minh; bài đăng không được hiển thị."),
    "content_unavailable": W(
        "Content not available", "Nội dung không có sẵn",
        "The platform said the content is not available (removed, private or restricted) when it was captured.",
        "Nền tảng cho biết nội dung không có sẵn (đã gỡ, riêng tư hoặc bị hạn chế) vào lúc thu thập."),
    "post_network_failure": W(
        "Post page not fetched", "Không tải được trang bài đăng",
        "The post's page could not be fetched; this says nothing about whether the post still exists.",
        "Không tải được trang của bài đăng; điều này không cho biết bài đăng còn hay không."),
    "reader_not_recognised": W(
        "Post not recognised", "Không nhận ra bài đăng",
        "The platform reader did not recognise a post on the page; the page itself was captured.",
        "Bộ đọc của nền tảng không nhận ra bài đăng trên trang; bản thân trang vẫn được thu thập."),
    "extractor_failed": W(
        "Post reader failed", "Bộ đọc bài đăng lỗi",
        "The reader of the platform's page failed; the page was captured, the post's fields may be missing.",
        "Bộ đọc trang của nền tảng bị lỗi; trang vẫn được thu thập, các trường của bài đăng có thể bị thiếu."),
    "structured_data_unreadable": W(
        "Page data unreadable", "Không đọc được dữ liệu cấu trúc",
        "The page's structured data (JSON-LD, microdata) could not be read.",
        "Không đọc được dữ liệu có cấu trúc của trang (JSON-LD, microdata)."),
    "text_truncated": W(
        "Post text may be cut", "Nội dung bài có thể bị cắt",
        "The post text as the page shows it may be shortened by the platform.",
        "Nội dung bài đăng như trang hiển thị có thể đã bị nền tảng rút gọn."),
    "avatar_not_media": W(
        "Preview image is the author's picture", "Ảnh xem trước là ảnh đại diện",
        "The page's preview image is the author's picture; it is not recorded as the post's media.",
        "Ảnh xem trước của trang là ảnh đại diện của tác giả; không ghi nhận là ảnh của bài đăng."),
    "time_zone_fallback": W(
        "Page times read in an assumed zone", "Giờ trên trang đọc theo múi giờ giả định",
        "The page shows times without a zone; they were read in the zone stated in the warning.",
        "Trang hiển thị giờ không kèm múi giờ; giờ được đọc theo múi giờ nêu trong cảnh báo."),
    "comments_limit": W(
        "Comments stopped at the limit", "Bình luận dừng ở giới hạn",
        "Fewer comments were recorded than the page states, because of the comment limit chosen.",
        "Số bình luận ghi nhận ít hơn số trang nêu, do giới hạn số bình luận đã chọn."),
    "comments_incomplete": W(
        "Comments incomplete", "Bình luận chưa đầy đủ",
        "Fewer comments were recorded than the page states.",
        "Số bình luận ghi nhận ít hơn số trang nêu."),
    "comments_shortfall": W(
        "Comments short of the stated total", "Thiếu bình luận so với tổng số",
        "The post record holds fewer comments than the page states, with the reason.",
        "Bản ghi bài đăng có ít bình luận hơn số trang nêu, kèm lý do."),
    "comments_time_limit": W(
        "Comment expansion stopped by the time limit", "Dừng mở bình luận do hết thời gian",
        "Expanding comments stopped at the time limit; more comments may exist.",
        "Việc mở thêm bình luận dừng khi hết thời gian; có thể còn bình luận khác."),
    "media_not_kept": W(
        "Post media not downloaded", "Không tải tệp đa phương tiện của bài đăng",
        "The post's images and videos were not downloaded as separate files: the downloaders write them to disk "
        "unencrypted and no memory file system was usable. What the page itself loaded is in the WARC.",
        "Ảnh và video của bài đăng không được tải thành tệp riêng: công cụ tải ghi chúng ra đĩa dạng chưa mã hoá "
        "và không có hệ thống tệp trong bộ nhớ. Những gì trang đã tải có trong WARC."),
    "media_failed": W(
        "Media not downloaded", "Không tải được ảnh, video",
        "An image or video of the post could not be downloaded; the page shows it.",
        "Không tải được một ảnh hoặc video của bài đăng; trang vẫn hiển thị nó."),
    "ytdlp_failed": W(
        "Video not downloaded", "Không tải được video",
        "The post's video could not be downloaded; the address the page gave is recorded.",
        "Không tải được video của bài đăng; địa chỉ trang cung cấp được ghi lại."),
    "element_screenshot_failed": W(
        "Post screenshot failed", "Không chụp được ảnh bài đăng",
        "The screenshot of the post alone failed; the full-page screenshot holds it.",
        "Không chụp được ảnh riêng của bài đăng; ảnh chụp toàn trang vẫn chứa bài."),
    "oembed_failed": W(
        "Embed data unreadable", "Không đọc được dữ liệu nhúng",
        "The platform's oEmbed answer could not be read.",
        "Không đọc được câu trả lời oEmbed của nền tảng."),
    "forwarded": W(
        "Forwarded message", "Tin chuyển tiếp",
        "The post was forwarded from another channel or account, named in the warning.",
        "Bài đăng được chuyển tiếp từ kênh hoặc tài khoản khác, nêu trong cảnh báo."),
    # -- files and disk images -------------------------------------------------------------------------------
    "source_refused": W(
        "Not acquired (refused)", "Không thu thập (bị từ chối)",
        "A special file (device, socket…) or a folder that cannot be listed was not acquired; it is named.",
        "Một tệp đặc biệt (thiết bị, socket…) hoặc thư mục không liệt kê được đã không được thu thập; có nêu tên."),
    "source_unreadable": W(
        "Not acquired (unreadable)", "Không thu thập (không đọc được)",
        "A source could not be read and was not acquired.", "Không đọc được một nguồn nên không thu thập."),
    "symlink_not_followed": W(
        "Link recorded, target not acquired", "Ghi nhận liên kết, không thu thập đích",
        "A symbolic link was recorded as a link; the file it points to was not acquired through it.",
        "Liên kết tượng trưng được ghi nhận là liên kết; tệp đích không được thu thập qua liên kết này."),
    "stored_hash_mismatch": W(
        "Image does NOT match its stored hash", "Ảnh đĩa KHÔNG khớp giá trị băm đã lưu",
        "The disk image's content differs from the hash stored in it at acquisition: it changed since then.",
        "Nội dung ảnh đĩa khác với giá trị băm được lưu trong ảnh khi tạo: ảnh đã thay đổi từ đó."),
    "no_file_system": W(
        "No file system recognised", "Không nhận ra hệ thống tệp",
        "No partition table or file system was recognised in the image (damaged, encrypted or not a disk).",
        "Không nhận ra bảng phân vùng hay hệ thống tệp nào trong ảnh (hỏng, mã hoá hoặc không phải ổ đĩa)."),
    "partition_past_end": W(
        "Partition runs past the image", "Phân vùng vượt quá ảnh đĩa",
        "A partition is larger than the image holds; the image is probably incomplete.",
        "Một phân vùng lớn hơn phần ảnh đĩa chứa; ảnh có thể không đầy đủ."),
    "encrypted_volume": W(
        "Encrypted volume", "Phân vùng mã hoá",
        "A volume is encrypted and locked; its files cannot be listed without its key.",
        "Một phân vùng được mã hoá và khoá; không liệt kê được các tệp khi không có khoá."),
    "directory_unreadable": W(
        "Folder cannot be listed", "Không liệt kê được thư mục",
        "A folder in the image could not be listed; its files are missing from the listing.",
        "Không liệt kê được một thư mục trong ảnh; các tệp của nó không có trong danh sách."),
    "entry_unreadable": W(
        "Entry unreadable", "Không đọc được mục",
        "An entry of a folder in the image could not be read.", "Không đọc được một mục của thư mục trong ảnh."),
    "metadata_unreadable": W(
        "File facts unreadable", "Không đọc được siêu dữ liệu",
        "A file's metadata (times, size) could not be read; it is listed by name only.",
        "Không đọc được siêu dữ liệu của tệp (thời gian, kích thước); tệp chỉ được liệt kê theo tên."),
    "attributes_unreadable": W(
        "File attributes unreadable", "Không đọc được thuộc tính tệp",
        "A file's attributes or streams could not be read.", "Không đọc được các thuộc tính hoặc luồng của tệp."),
    "mft_entry_unreadable": W(
        "MFT entry unreadable", "Không đọc được bản ghi MFT",
        "An NTFS file record could not be read: that file and its streams are missing from the listing.",
        "Không đọc được một bản ghi tệp NTFS: tệp đó và các luồng của nó không có trong danh sách."),
    "directory_loop": W(
        "Folder loop not followed", "Không đi theo vòng lặp thư mục",
        "A folder leads back to a folder above it (damage or a crafted image); it was not followed again.",
        "Một thư mục dẫn ngược về thư mục phía trên (do hỏng hoặc cố ý tạo); không đi theo lần nữa."),
    "directory_too_deep": W(
        "Folder nesting limit", "Giới hạn độ sâu thư mục",
        "Folders nested beyond the limit were not followed.", "Các thư mục lồng sâu quá giới hạn không được duyệt."),
    "allocation_map_unreadable": W(
        "Allocation map unreadable", "Không đọc được bảng cấp phát",
        "The file system's allocation map could not be read, so whether deleted files' space was reused is unknown.",
        "Không đọc được bảng cấp phát của hệ thống tệp nên không biết vùng của tệp đã xoá có bị dùng lại chưa."),
    "read_error": W(
        "Read error", "Lỗi đọc", "Part of a file could not be read from the image.",
        "Không đọc được một phần của tệp từ ảnh đĩa."),
    "content_not_stored": W(
        "Content not stored whole", "Nội dung không được lưu đủ",
        "Only part of a file's content could be stored; the warning says which bytes.",
        "Chỉ lưu được một phần nội dung của tệp; cảnh báo nêu rõ các byte nào."),
    "browser_history": W(
        "Browser history problem", "Lỗi đọc lịch sử trình duyệt",
        "A browser history database in the image could not be read completely.",
        "Không đọc được đầy đủ một cơ sở dữ liệu lịch sử trình duyệt trong ảnh."),
    "recovery_metadata_reallocated": W(
        "Recovery: record reused", "Khôi phục: bản ghi đã bị dùng lại",
        "The deleted file's metadata record now belongs to another file; the content read may be that file's.",
        "Bản ghi siêu dữ liệu của tệp đã xoá nay thuộc tệp khác; nội dung đọc được có thể là của tệp đó."),
    "recovery_fat_contiguity_assumed": W(
        "Recovery: clusters assumed contiguous", "Khôi phục: giả định cluster liên tiếp",
        "FAT keeps no cluster chain for deleted files; the recovery assumed the clusters were contiguous.",
        "FAT không giữ chuỗi cluster của tệp đã xoá; việc khôi phục giả định các cluster liên tiếp."),
    "recovery_blocks_reallocated": W(
        "Recovery: space reused", "Khôi phục: vùng dữ liệu đã bị dùng lại",
        "Some of the deleted file's clusters now belong to other files and may have been overwritten.",
        "Một số cluster của tệp đã xoá nay thuộc tệp khác và có thể đã bị ghi đè."),
    "recovery_runs_missing": W(
        "Recovery: location partly unknown", "Khôi phục: không rõ vị trí một phần",
        "The file system no longer records where all of the deleted file's content was.",
        "Hệ thống tệp không còn ghi vị trí toàn bộ nội dung của tệp đã xoá."),
    "recovery_blocks_not_checked": W(
        "Recovery: reuse not checked", "Khôi phục: chưa kiểm tra việc dùng lại",
        "Whether the deleted file's blocks were reused cannot be checked on this file system.",
        "Trên hệ thống tệp này không kiểm tra được các khối của tệp đã xoá có bị dùng lại hay không."),
    "recovery_read_short": W(
        "Recovery: read stopped early", "Khôi phục: dừng đọc sớm",
        "Reading stopped before the recorded size; the rest could not be read.",
        "Việc đọc dừng trước kích thước đã ghi; phần còn lại không đọc được."),
    "recovery_allocation_unreadable": W(
        "Recovery: reuse unknown", "Khôi phục: không rõ việc dùng lại",
        "The allocation map could not be read, so whether the deleted file's space was reused is unknown.",
        "Không đọc được bảng cấp phát nên không biết vùng của tệp đã xoá có bị dùng lại hay chưa."),
    # -- e-mail and chats -------------------------------------------------------------------------------------
    "message_truncated": W(
        "Message cut off", "Thư bị cắt",
        "The message ends early (its MIME structure or the file is cut off).",
        "Thư kết thúc sớm (cấu trúc MIME hoặc tệp bị cắt)."),
    "charset_guessed": W(
        "Text encoding guessed", "Bảng mã được phỏng đoán",
        "The message's text had no declared encoding; it was read with a guessed one.",
        "Văn bản của thư không khai báo bảng mã; đã đọc theo bảng mã phỏng đoán."),
    "date_unreadable": W(
        "Date unreadable", "Không đọc được ngày gửi",
        "The message's Date header could not be read as a time.",
        "Không đọc được tiêu đề Date của thư thành thời điểm."),
    "mime_defect": W(
        "Damaged message part", "Phần thư bị lỗi",
        "A part of the message is damaged or malformed; it is kept as found.",
        "Một phần của thư bị hỏng hoặc sai định dạng; được giữ nguyên như khi tìm thấy."),
    "header_problem": W(
        "Header problem", "Lỗi tiêu đề thư", "A header of the message is malformed; it is kept as found.",
        "Một tiêu đề của thư sai định dạng; được giữ nguyên như khi tìm thấy."),
    "message_not_split": W(
        "Large message stored whole", "Thư lớn được lưu nguyên",
        "The message is stored whole; its parts were not split into attachments.",
        "Thư được lưu nguyên; các phần của thư không được tách thành tệp đính kèm."),
    "nesting_limit": W(
        "Attached messages nested too deep", "Thư đính kèm lồng quá sâu",
        "Attached messages nested beyond the limit were stored but not parsed.",
        "Các thư đính kèm lồng sâu quá giới hạn được lưu nhưng không phân tích."),
    "attachment_reconstructed": W(
        "Attached message re-serialised", "Thư đính kèm được dựng lại",
        "An attached message's bytes were rebuilt by the parser; they may differ from the original bytes.",
        "Các byte của thư đính kèm do bộ phân tích dựng lại; có thể khác các byte gốc."),
    "recovered_item": W(
        "Recovered from the file's index", "Khôi phục từ chỉ mục của tệp",
        "Found in the mailbox file's index but in no folder (typically deleted); rebuilt from what remains.",
        "Tìm thấy trong chỉ mục của tệp hộp thư nhưng không thuộc thư mục nào (thường là đã xoá); dựng lại từ "
        "phần còn lại."),
    "attachment_missing": W(
        "Attachment missing from the export", "Thiếu tệp đính kèm trong bản xuất",
        "The chat export names a file that is not in it.", "Bản xuất cuộc trò chuyện nhắc đến tệp không có trong đó."),
    "attachments_not_exported": W(
        "Attachments left out by the export", "Bản xuất bỏ qua tệp đính kèm",
        "The export's own settings left some attachments out.",
        "Thiết lập của chính bản xuất đã bỏ qua một số tệp đính kèm."),
    "time_unreadable": W(
        "Message times unreadable", "Không đọc được giờ tin nhắn",
        "Some messages have no readable time.", "Một số tin nhắn không có thời điểm đọc được."),
}


def label(code: str, lang: str) -> str:
    entry = _entry(code)
    return entry.label_vi if lang == "vi" else entry.label_en


def meaning(code: str, lang: str) -> str:
    entry = _entry(code)
    return entry.meaning_vi if lang == "vi" else entry.meaning_en


def _entry(code: str) -> WarningText:
    try:
        return WARNINGS[code]
    except KeyError:
        raise MissingText(f"warning.{code}") from None
