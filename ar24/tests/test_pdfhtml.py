"""A letter's body reaches wkhtmltopdf without anything it would fetch from the network."""

import pytest

from ar24.pdfhtml import strip_fetched_urls

INLINE_PNG = "data:image/png;base64,iVBORw0KGgo="


@pytest.mark.parametrize(
    "label, body, fetched",
    [
        (
            "image from the cloud metadata service",
            '<p>Hi<img src="http://169.254.169.254/latest/meta-data/"></p>',
            "169.254",
        ),
        ("protocol-relative image", '<img src="//intranet.example/secret.png">', "intranet"),
        ("relative image on the Odoo server", '<img src="/web/content/42">', "/web/content"),
        ("srcset", '<img srcset="http://evil.example/a.png 2x">', "evil"),
        ("table background", '<table background="http://evil.example/bg.png"><tr><td>x</td></tr></table>', "evil"),
        ("CSS url() in a style attribute", '<p style="background:url(http://evil.example/x)">x</p>', "evil"),
        ("CSS url() with quotes", "<p style=\"background-image: url('https://evil.example/x')\">x</p>", "evil"),
        ("CSS escape hiding url", '<p style="background:\\75rl(http://evil.example/x)">x</p>', "evil"),
        ("CSS @import in a style element", "<style>@import 'http://evil.example/a.css';</style><p>x</p>", "evil"),
        ("stylesheet link", '<link rel="stylesheet" href="http://evil.example/a.css"><p>x</p>', "evil"),
        ("iframe", '<iframe src="http://evil.example/"></iframe><p>x</p>', "evil"),
        ("object", '<object data="http://evil.example/x.swf"></object>', "evil"),
        ("embed", '<embed src="http://evil.example/x">', "evil"),
        ("video poster", '<video poster="http://evil.example/p.png"></video>', "evil"),
        ("SVG image", '<svg><image href="http://evil.example/i.png"/></svg>', "evil"),
        ("SVG xlink image", '<svg><image xlink:href="http://evil.example/i.png"/></svg>', "evil"),
        ("script", '<script>fetch("http://evil.example/")</script><p>x</p>', "evil"),
        ("event handler", '<img src="data:image/png;base64,AA==" onerror="fetch(\'http://evil.example\')">', "evil"),
        ("meta refresh", '<meta http-equiv="refresh" content="0;url=http://evil.example/">', "evil"),
        ("base element", '<base href="http://evil.example/"><img src="a.png">', "evil"),
    ],
)
def test_nothing_fetched_stays(label, body, fetched):
    cleaned = strip_fetched_urls(body)
    assert fetched not in cleaned, "%s survived: %s" % (label, cleaned)


def test_the_letter_itself_is_kept():
    body = (
        '<p>Madame, <strong>Monsieur</strong>,</p><p style="color: #333; text-align: right">'
        'Convocation à l\'<a href="https://www.example.org/ag">assemblée générale</a></p>'
        '<img src="%s" alt="logo"><ul><li>un</li><li>deux</li></ul>Fin' % INLINE_PNG
    )
    cleaned = strip_fetched_urls(body)
    for kept in (
        "<p>Madame, <strong>Monsieur</strong>,</p>",
        'style="color: #333; text-align: right"',
        '<a href="https://www.example.org/ag">assemblée générale</a>',
        'src="%s"' % INLINE_PNG,
        "<li>deux</li>",
        "Fin",
    ):
        assert kept in cleaned


def test_plain_text_and_empty_bodies():
    assert strip_fetched_urls("Bonjour") == "Bonjour"
    assert strip_fetched_urls("") == ""
    assert strip_fetched_urls(None) == ""
    assert strip_fetched_urls("Avant <b>gras</b> après") == "Avant <b>gras</b> après"
