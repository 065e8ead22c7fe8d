"""The operating system's, the network's and the browser's errors in words, in both languages.

``[Errno 2] No such file or directory`` or ``Name or service not known`` mean
nothing to an investigator reading Vietnamese; :func:`describe` turns an exception
met at a boundary into what happened, in English and Vietnamese, and keeps the
system's own text in parentheses when it adds a fact (a path).
"""

from __future__ import annotations

import errno
import re
import socket

#: errno -> (English, Vietnamese)
ERRNO: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("no such file or folder", "không có tệp hoặc thư mục này"),
    errno.EACCES: ("permission denied", "không có quyền truy cập"),
    errno.EPERM: ("the operation is not permitted", "thao tác không được phép"),
    errno.ENOSPC: ("the disk is full", "ổ đĩa đã đầy"),
    errno.EDQUOT: ("the disk quota is used up", "đã dùng hết hạn mức dung lượng đĩa"),
    errno.EEXIST: ("it already exists", "đã tồn tại"),
    errno.ENOTDIR: ("not a folder", "không phải thư mục"),
    errno.EISDIR: ("it is a folder, not a file", "đây là thư mục, không phải tệp"),
    errno.EROFS: ("the disk is read-only", "ổ đĩa chỉ cho phép đọc"),
    errno.EIO: ("the device could not be read or written (input/output error)",
                "thiết bị không đọc hoặc ghi được (lỗi vào/ra)"),
    errno.EBUSY: ("the device or file is busy", "thiết bị hoặc tệp đang bận"),
    errno.EMFILE: ("too many files are open", "có quá nhiều tệp đang mở"),
    errno.ENAMETOOLONG: ("the file name is too long", "tên tệp quá dài"),
    errno.ENOTEMPTY: ("the folder is not empty", "thư mục không trống"),
    errno.EXDEV: ("it is on another disk", "nằm trên ổ đĩa khác"),
    errno.EINVAL: ("the request is not valid for this file or device", "yêu cầu không hợp lệ với tệp hoặc thiết bị này"),
    errno.EPIPE: ("the other side closed the connection", "phía bên kia đã đóng kết nối"),
    errno.ECONNREFUSED: ("the server refused the connection (nothing listens at that address and port)",
                         "máy chủ từ chối kết nối (không có dịch vụ nào ở địa chỉ và cổng đó)"),
    errno.ECONNRESET: ("the server broke off the connection", "máy chủ đã ngắt kết nối"),
    errno.ECONNABORTED: ("the connection was aborted", "kết nối bị huỷ"),
    errno.ETIMEDOUT: ("the server did not answer in time", "máy chủ không trả lời kịp thời"),
    errno.EHOSTUNREACH: ("the server cannot be reached from this network", "không thể tới máy chủ từ mạng này"),
    errno.ENETUNREACH: ("the network cannot be reached (is this workstation online?)",
                        "không tới được mạng (máy trạm có đang kết nối mạng không?)"),
    errno.EADDRINUSE: ("the address is already in use", "địa chỉ đang được sử dụng"),
}

#: getaddrinfo's errors (negative numbers) -> (English, Vietnamese)
NAME_ERRORS: dict[int, tuple[str, str]] = {
    socket.EAI_NONAME: ("the name does not exist in DNS (or this workstation cannot reach a name server)",
                        "tên miền không tồn tại trong DNS (hoặc máy trạm không liên lạc được máy chủ tên miền)"),
    socket.EAI_AGAIN: ("the name server did not answer for now (temporary failure of name resolution)",
                       "máy chủ tên miền tạm thời không trả lời (lỗi phân giải tên miền tạm thời)"),
    socket.EAI_FAIL: ("the name server failed to answer", "máy chủ tên miền không trả lời được"),
    socket.EAI_SERVICE: ("the port or service is not known", "không biết cổng hoặc dịch vụ này"),
    socket.EAI_FAMILY: ("the address family is not supported", "không hỗ trợ loại địa chỉ này"),
}
for _name, _pair in (("EAI_NODATA", ("the name has no address in DNS", "tên miền không có địa chỉ trong DNS")),
                     ("EAI_ADDRFAMILY", ("the name has no address of the kind asked for",
                                         "tên miền không có địa chỉ thuộc loại được yêu cầu"))):
    if hasattr(socket, _name):
        NAME_ERRORS[getattr(socket, _name)] = _pair

#: the same errors as libc words them (what reaches us as text from other libraries)
STRERROR = {
    "Name or service not known": NAME_ERRORS[socket.EAI_NONAME],
    "nodename nor servname provided, or not known": NAME_ERRORS[socket.EAI_NONAME],
    "Temporary failure in name resolution": NAME_ERRORS[socket.EAI_AGAIN],
    "No address associated with hostname": ("the name has no address in DNS", "tên miền không có địa chỉ trong DNS"),
    "Connection refused": ERRNO[errno.ECONNREFUSED],
    "Connection reset by peer": ERRNO[errno.ECONNRESET],
    "Connection timed out": ERRNO[errno.ETIMEDOUT],
    "No route to host": ERRNO[errno.EHOSTUNREACH],
    "Network is unreachable": ERRNO[errno.ENETUNREACH],
    "No such file or directory": ERRNO[errno.ENOENT],
    "Permission denied": ERRNO[errno.EACCES],
    "No space left on device": ERRNO[errno.ENOSPC],
    "timed out": ("the server did not answer in time", "máy chủ không trả lời kịp thời"),
}

#: Chromium's network errors (net::ERR_…), as the browser reports a page it could not load
CHROMIUM: dict[str, tuple[str, str]] = {
    "ERR_NAME_NOT_RESOLVED": NAME_ERRORS[socket.EAI_NONAME],
    "ERR_NAME_RESOLUTION_FAILED": NAME_ERRORS[socket.EAI_AGAIN],
    "ERR_CONNECTION_REFUSED": ERRNO[errno.ECONNREFUSED],
    "ERR_CONNECTION_RESET": ERRNO[errno.ECONNRESET],
    "ERR_CONNECTION_CLOSED": ("the server closed the connection without an answer",
                              "máy chủ đóng kết nối mà không trả lời"),
    "ERR_EMPTY_RESPONSE": ("the server closed the connection without an answer",
                           "máy chủ đóng kết nối mà không trả lời"),
    "ERR_CONNECTION_TIMED_OUT": ERRNO[errno.ETIMEDOUT],
    "ERR_TIMED_OUT": ERRNO[errno.ETIMEDOUT],
    "ERR_ADDRESS_UNREACHABLE": ERRNO[errno.EHOSTUNREACH],
    "ERR_INTERNET_DISCONNECTED": ("this workstation is not connected to the Internet",
                                  "máy trạm không kết nối Internet"),
    "ERR_NETWORK_CHANGED": ("the network changed during the capture", "mạng thay đổi trong khi thu thập"),
    "ERR_TOO_MANY_REDIRECTS": ("the page redirects too many times", "trang chuyển hướng quá nhiều lần"),
    "ERR_SSL_PROTOCOL_ERROR": ("the secure connection (TLS) failed", "kết nối bảo mật (TLS) bị lỗi"),
    "ERR_CERT_AUTHORITY_INVALID": ("the site's certificate is not from a trusted authority",
                                   "chứng thư của trang không do tổ chức tin cậy cấp"),
    "ERR_CERT_DATE_INVALID": ("the site's certificate has expired or is not yet valid",
                              "chứng thư của trang đã hết hạn hoặc chưa có hiệu lực"),
    "ERR_CERT_COMMON_NAME_INVALID": ("the site's certificate is for another name",
                                     "chứng thư của trang cấp cho tên miền khác"),
    "ERR_TUNNEL_CONNECTION_FAILED": ("the recording proxy could not reach the server",
                                     "máy chủ ghi lưu lượng (proxy) không kết nối được tới máy chủ"),
    "ERR_PROXY_CONNECTION_FAILED": ("the browser could not reach the recording proxy",
                                    "trình duyệt không kết nối được tới máy chủ ghi lưu lượng (proxy)"),
    "ERR_ABORTED": ("the page load was stopped", "việc tải trang bị dừng"),
    "ERR_BLOCKED_BY_CLIENT": ("the request was blocked by the browser", "yêu cầu bị trình duyệt chặn"),
    "ERR_INVALID_RESPONSE": ("the server's answer could not be read", "không đọc được phản hồi của máy chủ"),
    "ERR_HTTP2_PROTOCOL_ERROR": ("the server broke the HTTP/2 protocol", "máy chủ vi phạm giao thức HTTP/2"),
}

_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\]\s*")
_CHROMIUM = re.compile(r"net::(ERR_[A-Z0-9_]+)")


def describe(exc: BaseException) -> tuple[str, str]:
    """(English, Vietnamese) for an exception that is not ours."""
    if isinstance(exc, socket.gaierror) and exc.errno in NAME_ERRORS:
        return NAME_ERRORS[exc.errno]
    if isinstance(exc, OSError) and exc.errno in ERRNO:
        en, vi = ERRNO[exc.errno]
        where = exc.filename if isinstance(exc.filename, str) else ""
        return (f"{where}: {en}", f"{where}: {vi}") if where else (en, vi)
    if isinstance(exc, TimeoutError):
        return ERRNO[errno.ETIMEDOUT]
    if isinstance(exc, MemoryError):
        return ("not enough memory", "không đủ bộ nhớ")
    if isinstance(exc, UnicodeError):
        return ("the text is not in the expected encoding", "văn bản không theo bảng mã mong đợi")
    return describe_text(str(exc) or type(exc).__name__)


def describe_text(text: str) -> tuple[str, str]:
    """(English, Vietnamese) for an error met only as text (a library's message, a browser's net::ERR_…)."""
    found = _CHROMIUM.search(text)
    if found and found.group(1) in CHROMIUM:
        en, vi = CHROMIUM[found.group(1)]
        return f"{en} ({found.group(1)})", f"{vi} ({found.group(1)})"
    bare = _ERRNO_PREFIX.sub("", text).strip()
    for words, (en, vi) in STRERROR.items():
        if words in bare:
            return en, vi
    return text, f"lỗi hệ thống: {text}"


#: OpenSSL's certificate verification codes (X509_V_ERR_…) a site's certificate fails with most
TLS_VERIFY: dict[int, str] = {
    2: "không lấy được chứng thư của tổ chức cấp",
    9: "chứng thư chưa có hiệu lực",
    10: "chứng thư đã hết hạn",
    18: "chứng thư tự ký",
    19: "chuỗi chứng thư có chứng thư tự ký không được tin cậy",
    20: "không tìm thấy chứng thư của tổ chức cấp trong kho chứng thư tin cậy",
    21: "không xác minh được chứng thư đầu tiên",
    23: "chứng thư đã bị thu hồi",
    26: "chứng thư không được dùng cho mục đích này",
    62: "chứng thư không cấp cho tên miền này",
    64: "chứng thư không cấp cho địa chỉ IP này",
}


def tls_reason_vi(code: int | None, text: str) -> str:
    """OpenSSL's reason a certificate did not verify, in Vietnamese (its own words kept after it)."""
    words = TLS_VERIFY.get(code or -1)
    return f"{words} ({text})" if words else f"chứng thư không xác minh được ({text})"
