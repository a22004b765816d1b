"""The only way a PDF reads anything: files inside the content folder and our own data: images."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .pdf import CONTENT_TYPES, DATA_URI_TYPES, ResourceRefusedError, shorten


class RootedFetcher(URLFetcher):
    """Serves files inside root and our own image data: URIs; refuses everything else."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = Path(os.path.realpath(root))
        self.served: dict[str, str] = {}

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the resource at url, or raise ResourceRefusedError (WeasyPrint logs it and skips)."""
        scheme = url.partition(":")[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._fetch_data(url)
        if scheme == "file":
            return self._fetch_file(url)
        raise ResourceRefusedError(f"PDF 不读取网络或外部资源：{shorten(url)}")

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        """Decode a data: URI of an allowed image type."""
        header, comma, payload = url[len("data:") :].partition(",")
        params = [part.strip().lower() for part in header.split(";")]
        if not comma or params[0] not in DATA_URI_TYPES:
            raise ResourceRefusedError(f"PDF 只接受 SVG 或 PNG 的 data: 图像：{shorten(url)}")
        raw = unquote_to_bytes(payload)
        if "base64" in params[1:]:
            try:
                raw = base64.b64decode(raw, validate=True)
            except binascii.Error as exc:
                raise ResourceRefusedError(f"data: 图像的 base64 编码无效：{shorten(url)}") from exc
        return URLFetcherResponse(url, raw, {"Content-Type": params[0]})

    def _fetch_file(self, url: str) -> URLFetcherResponse:
        """Read a regular file that really lies inside root (after resolving symlinks)."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefusedError(f"PDF 不读取其他主机上的文件：{shorten(url)}")
        raw_path = url2pathname(parts.path)
        if ".." in Path(raw_path).parts:
            raise ResourceRefusedError(f"路径不能包含“..”：{shorten(url)}")
        real = Path(os.path.realpath(raw_path))
        if not real.is_relative_to(self.root):
            raise ResourceRefusedError(f"PDF 只读取 {self.root} 之内的文件：{shorten(url)}")
        if not real.is_file():
            raise ResourceRefusedError(f"文件不存在：{shorten(url)}")
        data = real.read_bytes()
        self.served[real.relative_to(self.root).as_posix()] = hashlib.sha256(data).hexdigest()
        content_type = CONTENT_TYPES.get(real.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, data, {"Content-Type": content_type})
