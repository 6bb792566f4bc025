"""WeasyPrint must never fetch a URL the article names: no remote host, no local file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest
from weasyprint import HTML

from syndication.packages.fetcher import PackageURLFetcher, RefusedURL
from syndication.packages.pdf import render_pdf
from tests.fixtures.packages import samples


class RecordingServer:
    def __init__(self) -> None:
        self.paths: list[str] = []
        recorded = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorded.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write((samples.FIXTURES / "chart.png").read_bytes())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    recording = RecordingServer()
    thread = threading.Thread(target=recording.httpd.serve_forever, daemon=True)
    thread.start()
    yield recording
    recording.httpd.shutdown()
    recording.httpd.server_close()


def hostile_img_tags(server: RecordingServer) -> str:
    return (
        f'<img src="{server.url}/from-body.png">'
        '<img src="http://127.0.0.1:9/x"><img src="file:///etc/passwd">'
        f'<p style="background: url({server.url}/css.png)">x</p>'
    )


def test_the_recording_server_does_record_what_bare_weasyprint_fetches(server):
    # Given the default fetcher, the same markup does reach the server: the test can fail
    HTML(string=hostile_img_tags(server)).write_pdf()
    with urlopen(server.url + "/direct") as response:  # noqa: S310 - loopback test server
        response.read()

    assert server.paths[0] == "/from-body.png"
    assert server.paths[-1] == "/direct"


def test_package_render_of_a_hostile_body_fetches_nothing(server, tmp_path):
    data = samples.english(body_html="<p>Body</p>" + hostile_img_tags(server))

    pdf = render_pdf(data)

    assert server.paths == []
    text = samples.poppler("pdftotext", pdf, tmp_path)
    assert "root:" not in text
    assert b"root:x:0:0" not in pdf


def test_the_fetcher_itself_refuses_foreign_urls_even_past_the_sanitiser(server, caplog):
    # Given markup that never went through the sanitiser, rendered with the package fetcher
    fetcher = PackageURLFetcher()
    pdf = HTML(string=hostile_img_tags(server), url_fetcher=fetcher).write_pdf()

    assert server.paths == []
    assert fetcher.refused == [
        f"{server.url}/from-body.png",
        "http://127.0.0.1:9/x",
        "file:///etc/passwd",
        f"{server.url}/css.png",
    ]
    assert b"root:x:0:0" not in pdf
    assert "Package render refused file:///etc/passwd" in caplog.text


def test_the_fetcher_serves_only_the_services_own_static_and_media_files(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "photo.png").write_bytes(b"png")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = PackageURLFetcher()
    site = settings.SITE_URL

    css = fetcher.fetch(f"{site}/static/packages/print.css")
    photo = fetcher.fetch(f"{site}/media/photo.png")

    assert css.read().startswith(b"/* Print styles for the PDF package")
    assert photo.read() == b"png"
    assert photo.content_type == "image/png"
    for refused in (
        f"{site}/media/../secret.txt",
        f"{site}/media/%2e%2e/secret.txt",
        f"{site}/static/../../../../etc/passwd",
        f"{site}/admin/",
        (tmp_path / "secret.txt").as_uri(),
        "file:///etc/passwd",
        "file://evil.example/share/x.png",
        "http://127.0.0.1:9/media/photo.png",
        "ftp://example.org/x",
        "data:image/png;base64,iVBORw0KGgo=",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(refused)


def test_static_root_file_urls_are_allowed(settings):
    fetcher = PackageURLFetcher()
    css = Path(settings.STATICFILES_DIRS[0]) / "packages" / "print.css"

    assert fetcher.fetch(css.as_uri()).read() == css.read_bytes()
