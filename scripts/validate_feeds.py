#!/usr/bin/env python3
"""Run the W3C Feed Validation Service over local Atom feeds and OPML files, offline.

Usage: validate_feeds.py DIR_OR_FILE [DIR_OR_FILE ...] [--base-url URL]

Directories are searched recursively for *.xml (Atom) and *.opml files; a file named on
the command line is validated whatever its extension. For each file it prints the feed
type the validator detected, the number of errors and warnings, and each message with
its line and column and the validator's message class (the class name is the page name
in the validator's online documentation). Repeated messages of one kind are printed once
with a count, as the online validator does.

--base-url URL  where the files will be served: a file's location is URL joined with its
                path below the directory argument (or its name, for a file argument), and
                the validator checks each feed's rel="self" link against that location.
                Without it, a feed's own rel="self" href is taken as its location, so the
                self link is not checked against anything (a missing one is still reported).

Exit status: 0 no errors (warnings are printed but do not fail); 1 at least one file has
an error, or a named path does not exist; 2 no files found (or bad arguments); 3 the
validator could not be loaded (it needs html5lib: `python3 -m pip install html5lib`).

The validator is vendored in vendor/feedvalidator/ (see its README.md). Nothing here
uses the network: sockets and name look-ups are disabled before the validator is
loaded. (The validator looks up the domain of an e-mail address that only its loose
pattern accepts; offline, that look-up fails and it gives an UnknownHost warning.)
"""
import argparse
import html
import io
import pathlib
import re
import socket
import sys
import urllib.parse
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent
VENDOR = HERE.parent / "vendor" / "feedvalidator"
FEED_SUFFIXES = (".xml", ".opml")
ATOM_NS = "{http://www.w3.org/2005/Atom}"


def _no_network(*_args, **_kwargs):
    raise OSError("network access is disabled in validate_feeds.py")


def disable_network():
    """Make every socket connection and host name look-up fail at once."""
    for name in ("create_connection", "getaddrinfo", "gethostbyname",
                 "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, _no_network)
    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network


def load_validator():
    sys.path.insert(0, str(VENDOR))
    try:
        import feedvalidator
        import feedvalidator.validators  # imported lazily by the validator; needs html5lib
        from feedvalidator import logging as fvlog
        from feedvalidator.formatter.text_plain import Formatter
    except ImportError as e:
        print(f"validate_feeds.py: cannot load the vendored feed validator: {e}", file=sys.stderr)
        if getattr(e, "name", None) == "html5lib":
            print("it needs html5lib: python3 -m pip install html5lib", file=sys.stderr)
        sys.exit(3)
    return feedvalidator, fvlog, Formatter


def find_files(args):
    """Return ([(path, path relative to its argument)], [missing arguments])."""
    found, missing = [], []
    for arg in args:
        p = pathlib.Path(arg)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in FEED_SUFFIXES:
                    found.append((f, f.relative_to(p).as_posix()))
        elif p.is_file():
            found.append((p, p.name))
        else:
            missing.append(arg)
    return found, missing


LINK_TAG = re.compile(r"<(?:[\w.-]+:)?link\b[^>]*>")
REL_SELF = re.compile(r"""\srel\s*=\s*["']self["']""")
HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def own_self_link(data):
    """The href of the document's top-level Atom rel="self" link, or ""."""
    try:
        root = ET.fromstring(data)
    except Exception:
        # Not well-formed (the validator will say so): take the first rel="self" tag.
        text = data.decode("utf-8", "replace")
        for tag in LINK_TAG.findall(text):
            href = HREF.search(tag)
            if REL_SELF.search(tag) and href:
                return html.unescape(href.group(1) or href.group(2) or "")
        return ""
    for link in root.findall(ATOM_NS + "link"):
        if link.get("rel") == "self" and link.get("href"):
            return link.get("href")
    return ""


def describe(fmt, ev):
    """The validator's message, plus the offending value when the message leaves it out."""
    text = fmt.getMessage(ev)
    value = ev.params.get("value")
    if isinstance(value, str) and value and value not in text:
        shown = value if len(value) <= 100 else value[:97] + "..."
        text += f" (value: {shown!r}"
        if "char" in ev.params:
            text += f", character {ev.params['char']}"
        text += ")"
    return text + fmt.getCount(ev)


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Validate Atom feeds (*.xml) and OPML files (*.opml) with the "
                    "vendored W3C Feed Validation Service, offline.")
    ap.add_argument("paths", nargs="+", metavar="DIR_OR_FILE")
    ap.add_argument("--base-url", metavar="URL",
                    help="URL the files are served under; rel=self links are checked against it")
    opts = ap.parse_args(argv)

    disable_network()
    feedvalidator, fvlog, Formatter = load_validator()

    files, missing = find_files(opts.paths)
    for m in missing:
        print(f"{m}: no such file or directory")
    if not files:
        print("no *.xml or *.opml files found in: " + " ".join(opts.paths))
        return 2

    base_url = opts.base_url
    if base_url and not base_url.endswith("/"):
        base_url += "/"

    total_errors = total_warnings = files_with_errors = 0
    for path, rel in files:
        data = path.read_bytes()
        base = urllib.parse.urljoin(base_url, rel) if base_url else own_self_link(data)
        feed_type = crash = None
        try:
            result = feedvalidator.validateStream(io.BytesIO(data), firstOccurrenceOnly=1, base=base)
            events = result["loggedEvents"]
            feed_type = result.get("feedType")
        except fvlog.ValidationFailure as vf:
            events = [vf.event]
        except Exception as e:  # a crash of the validator must not pass silently
            events, crash = [], f"the validator crashed: {type(e).__name__}: {e}"

        errors = [e for e in events if isinstance(e, fvlog.Error)] + ([crash] if crash else [])
        warnings = [e for e in events if isinstance(e, fvlog.Warning)]
        fmt = Formatter([])
        kind = fvlog.FEEDTYPEDISPLAY.get(feed_type, "(unknown type)") if feed_type is not None else "(not validated)"
        print(f"{path}: {kind}, {plural(len(errors), 'error')}, {plural(len(warnings), 'warning')}")
        for label, group in (("error", errors), ("warning", warnings)):
            for ev in group:
                if isinstance(ev, str):
                    print(f"  {label}: {ev}")
                    continue
                where = fmt.getLineAndColumn(ev) or "(no position):"
                print(f"  {label}: {where} {describe(fmt, ev)} [{type(ev).__name__}]")
        total_errors += len(errors)
        total_warnings += len(warnings)
        files_with_errors += bool(errors)

    print(f"feedvalidator: {plural(len(files), 'file')}, {files_with_errors} with errors, "
          f"{plural(total_errors, 'error')}, {plural(total_warnings, 'warning')}")
    return 1 if files_with_errors or missing else 0


if __name__ == "__main__":
    sys.exit(main())
