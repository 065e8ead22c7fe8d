"""What each problem a check can find means, in both languages.

``vault verify`` (``evidence_store.verify``) and the package check
(``forensics verify-package``) report problems with a code and a sentence of
technical facts (which entry, which blob). The desktop app shows the code's
meaning in the user's language first, with the technical facts after it.
``tests/test_catalogue.py`` reads every problem code the code can produce.
"""

from __future__ import annotations

from . import MissingText, pick

PROBLEMS: dict[str, tuple[str, str]] = {
    # -- the vault ---------------------------------------------------------------------------------------------
    "database_unreadable": ("The vault database cannot be read", "Không đọc được cơ sở dữ liệu của kho"),
    "database_corrupt": ("The vault database is damaged", "Cơ sở dữ liệu của kho bị hỏng"),
    "dangling_reference": ("A custody entry names an item or case that does not exist",
                           "Một mục nhật ký nhắc tới mục chứng cứ hoặc vụ việc không tồn tại"),
    "blob_missing": ("Stored content is missing", "Thiếu nội dung đã lưu"),
    "blob_corrupt": ("Stored content is damaged (it fails authentication)",
                     "Nội dung đã lưu bị hỏng (không xác thực được)"),
    "blob_truncated": ("Stored content is cut short", "Nội dung đã lưu bị cắt cụt"),
    "blob_swapped": ("Stored content was swapped with other content", "Nội dung đã lưu bị tráo với nội dung khác"),
    "blob_unreadable": ("Stored content cannot be read", "Không đọc được nội dung đã lưu"),
    "blob_name": ("A stored file's name does not match its content", "Tên tệp lưu trữ không khớp nội dung"),
    "blob_unused": ("Stored content that no item uses", "Nội dung đã lưu không thuộc mục nào"),
    "blob_orphan": ("A file in the vault that the database does not know", "Tệp trong kho mà cơ sở dữ liệu không biết"),
    "temp_orphan": ("A file left by an unfinished acquisition", "Tệp còn sót lại từ lần thu thập chưa xong"),
    "hash_mismatch": ("Content does not match its recorded hashes", "Nội dung không khớp giá trị băm đã ghi"),
    "record_altered": ("An item's record was changed after it was logged",
                       "Bản ghi của mục chứng cứ bị sửa sau khi đã ghi nhật ký"),
    "examiner_altered": ("An examiner's recorded facts were changed", "Thông tin đã ghi của cán bộ bị sửa"),
    "examiner_unlogged": ("An examiner is not in the custody log", "Cán bộ không có trong nhật ký lưu giữ"),
    # -- the custody log ---------------------------------------------------------------------------------------
    "custody_missing": ("Custody entries are missing", "Thiếu mục nhật ký lưu giữ chứng cứ"),
    "custody_unreadable": ("A custody entry cannot be read", "Không đọc được mục nhật ký lưu giữ chứng cứ"),
    "custody_gap": ("The custody log has a gap", "Nhật ký lưu giữ chứng cứ bị đứt quãng"),
    "custody_altered": ("A custody entry was altered", "Một mục nhật ký lưu giữ chứng cứ bị sửa"),
    "custody_chain_broken": ("The custody entries' chain is broken", "Chuỗi liên kết các mục nhật ký bị đứt"),
    "custody_reordered": ("Custody entries were reordered", "Các mục nhật ký bị đảo thứ tự"),
    "custody_index_mismatch": ("A custody entry's index does not match its place",
                               "Số thứ tự của mục nhật ký không khớp vị trí"),
    "custody_bad_signature": ("A custody entry's signature is invalid", "Chữ ký của mục nhật ký không hợp lệ"),
    "custody_bad_cover": ("A signature covers entries it should not", "Chữ ký bao phủ các mục không đúng"),
    "custody_unsigned": ("Custody entries signed by no one", "Mục nhật ký không có ai ký"),
    "custody_unknown_examiner": ("A custody entry names an unknown examiner",
                                 "Mục nhật ký nêu tên cán bộ không có trong kho"),
    "custody_wrong_key": ("A custody entry names another key than its examiner's",
                          "Mục nhật ký nêu khoá khác với khoá của cán bộ"),
    "custody_nodes_altered": ("The custody log's stored tree disagrees with its entries",
                              "Cây lưu trữ của nhật ký không khớp với các mục"),
    "custody_truncated": ("The custody log is shorter than a checkpoint covered",
                          "Nhật ký ngắn hơn phạm vi một điểm kiểm tra đã bao phủ"),
    "custody_rewritten": ("The custody log was rewritten after a checkpoint", "Nhật ký bị viết lại sau điểm kiểm tra"),
    "checkpoint_bad_signature": ("A checkpoint's signature is invalid", "Chữ ký của điểm kiểm tra không hợp lệ"),
    "custody_rolled_back": ("The custody log is older than a witnessed checkpoint (rolled back)",
                            "Nhật ký cũ hơn điểm kiểm tra đã được chứng kiến (bị quay lui)"),
    "custody_history_rewritten": ("The custody log does not extend a witnessed checkpoint",
                                  "Nhật ký không nối tiếp điểm kiểm tra đã được chứng kiến"),
    "witness_unreadable": ("A witness file cannot be read", "Không đọc được tệp chứng kiến"),
    "witness_unsigned": ("A witness file is not signed", "Tệp chứng kiến không có chữ ký"),
    "witness_not_written": ("A checkpoint could not be witnessed", "Không lưu được bản chứng kiến điểm kiểm tra"),
    "witness_not_updated": ("A witness folder was not updated", "Thư mục chứng kiến chưa được cập nhật"),
    # -- an evidence package -------------------------------------------------------------------------------------
    "missing": ("A file listed in the package is missing", "Thiếu tệp có trong danh mục gói"),
    "changed": ("A file of the package was changed", "Một tệp của gói đã bị thay đổi"),
    "extra": ("A file was added to the package", "Có tệp được thêm vào gói"),
    "not_as_acquired": ("A file is not the content acquired", "Tệp không phải nội dung đã thu thập"),
    "unproven": ("An item has no proof in the custody log", "Mục chứng cứ không có bằng chứng trong nhật ký"),
    "sums_mismatch": ("The checksum list disagrees with the files", "Danh sách giá trị băm không khớp với các tệp"),
    "bad_proof": ("A custody-log proof does not verify", "Bằng chứng nhật ký không xác minh được"),
    "untrusted_key": ("Signed by a key that is not among the trusted keys given",
                      "Được ký bằng khoá không nằm trong các khoá tin cậy đã cung cấp"),
    "bad_seal": ("The package's seal does not verify", "Niêm phong của gói không xác minh được"),
    "bad_consistency": ("The package's log does not extend a report's checkpoint",
                        "Nhật ký trong gói không nối tiếp điểm kiểm tra của báo cáo"),
    "bad_timestamp": ("A trusted timestamp does not verify", "Dấu thời gian tin cậy không xác minh được"),
}


def problem_words(code: str, lang: str) -> str:
    try:
        return pick(PROBLEMS[code], lang)
    except KeyError:
        raise MissingText(f"problem.{code}") from None
