"""The letter's HTML as wkhtmltopdf may see it: nothing it would fetch from the network.

A letter's body comes from users and mail templates. wkhtmltopdf loads every image, stylesheet,
frame and CSS ``url(…)`` it meets, from wherever the URL points: an ``<img src="http://…">``
in a body would make the Odoo server call any address (the cloud metadata service, an intranet
page) and print the answer into a registered letter. Only ``data:`` URLs (inline images) stay;
links (``<a href>``) are kept because wkhtmltopdf does not follow them.
"""

import re

from lxml import etree, html

# elements that load or run something: removed with their content
_DROPPED_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "base", "meta", "portal"}
# attributes holding a URL that a browser engine fetches by itself
_FETCHED = {
    "src",
    "srcset",
    "href",
    "background",
    "poster",
    "data",
    "codebase",
    "archive",
    "lowsrc",
    "dynsrc",
    "action",
    "formaction",
    "icon",
    "manifest",
    "ping",
}
_URL_FUNCTION = re.compile(r"(?i)url\s*\(\s*(['\"]?)(.*?)\1\s*\)")
_CSS_FETCH = re.compile(r"(?i)@import|image-set|image\s*\(|expression\s*\(|behavior\s*:|-moz-binding")


def _is_inline(url):
    return url.strip().lower().startswith("data:")


def _css_is_safe(css):
    """True when ``css`` fetches nothing: no escapes (they hide ``url``), only ``data:`` URLs."""
    if "\\" in css or _CSS_FETCH.search(css):
        return False
    return all(_is_inline(match.group(2)) for match in _URL_FUNCTION.finditer(css))


def strip_fetched_urls(markup):
    """``markup`` (an HTML fragment) without anything that would make wkhtmltopdf fetch a URL."""
    if not markup or not markup.strip():
        return markup or ""
    root = html.fragment_fromstring(markup, create_parent="div")
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue  # comments fetch nothing
        tag = etree.QName(element).localname.lower()
        if tag in _DROPPED_TAGS or (tag == "style" and not _css_is_safe(element.text or "")):
            element.drop_tree()
            continue
        for name in list(element.attrib):
            value = element.attrib[name]
            local = etree.QName(name).localname.lower() if name.startswith("{") else name.split(":")[-1].lower()
            if local == "style":
                if not _css_is_safe(value):
                    del element.attrib[name]
            elif local == "href" and tag == "a" and name == "href":
                continue  # a link is printed, never followed
            elif local.startswith("on") or (local in _FETCHED and not _is_inline(value)):
                del element.attrib[name]
    return (root.text or "") + "".join(html.tostring(child, encoding="unicode") for child in root)
