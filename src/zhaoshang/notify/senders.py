"""How a message reaches each kind of channel. Each sender returns the other side's answer as
text, or raises SendError with a Chinese reason; the caller records either.

Webhooks use the standard library: a robot takes one small JSON POST, which needs no client
library. Both robots answer HTTP 200 with {"errcode": 0, ...} on success and a non-zero
errcode (bad key, rate limit, keyword missing…) otherwise, so anything else is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

from django.core.mail import EmailMessage, get_connection

TIMEOUT = 10  # seconds; a robot answers in well under one, a hung server must not stall the run
MAX_BODY = 64 * 1024


class SendError(Exception):
    def __init__(self, reason: str, response: str = ""):
        super().__init__(reason)
        self.response = response


class _NoRedirect(HTTPRedirectHandler):
    # A robot endpoint never redirects; following one would post the message somewhere else.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = build_opener(_NoRedirect)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook URL with `timestamp` and `sign` added (DingTalk rejects a timestamp more than
    an hour off, so it is taken at send time)."""
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sep = "&" if urlsplit(url).query else "?"
    return f"{url}{sep}{urlencode({'timestamp': ts, 'sign': dingtalk_sign(secret, ts)})}"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def post_robot(url: str, content: str) -> str:
    """POST a text message in the format WeCom and DingTalk robots share."""
    return post_robot_json(url, {"msgtype": "text", "text": {"content": content}})


def post_robot_json(url: str, payload: dict) -> str:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _robot_request(url, body, "application/json; charset=utf-8")


def wecom_upload_file(send_url: str, filename: str, data: bytes) -> str:
    """Upload a file to a WeCom group robot (its webhook's upload_media, same key); the media id
    then goes in a `file` message. DingTalk robots take no files."""
    parts = urlsplit(send_url)
    upload = parts._replace(
        path=parts.path.rsplit("/", 1)[0] + "/upload_media", query=f"{parts.query}&type=file"
    ).geturl()
    boundary = f"----zhaoshang{int(time.time() * 1000)}"
    quoted = filename.replace('"', "")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="{quoted}"; '
            f"filelength={len(data)}\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    text = _robot_request(upload, body, f"multipart/form-data; boundary={boundary}")
    media_id = json.loads(text).get("media_id")
    if not media_id:
        raise SendError("机器人未返回文件编号（media_id）", text)
    return media_id


def _robot_request(url: str, body: bytes, content_type: str) -> str:
    request = Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            text = _text(response.read(MAX_BODY))
    except HTTPError as exc:
        try:
            text = _text(exc.read(MAX_BODY))
        except Exception:  # noqa: BLE001 - the status code says enough
            text = ""
        raise SendError(f"HTTP {exc.code}", text) from exc
    except URLError as exc:
        raise SendError(f"无法连接：{exc.reason}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise SendError(f"无法连接：{exc}") from exc
    try:
        data = json.loads(text)
    except ValueError:
        raise SendError("机器人回应不是 JSON", text) from None
    errcode = data.get("errcode") if isinstance(data, dict) else None
    if errcode != 0:
        errmsg = data.get("errmsg", "") if isinstance(data, dict) else ""
        raise SendError(f"机器人返回错误 errcode={errcode} {errmsg}".strip(), text)
    return text


def send_email(addresses: list[str], subject: str, body: str, attachments=()) -> str:
    """`attachments`: (file name, bytes, MIME type) tuples."""
    try:
        connection = get_connection(timeout=TIMEOUT)
        message = EmailMessage(subject, body, None, addresses, connection=connection)
        for name, data, mimetype in attachments:
            message.attach(name, data, mimetype)
        message.send()
    except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
        raise SendError(f"邮件发送失败：{exc}") from exc
    return f"已发送至 {'、'.join(addresses)}"
