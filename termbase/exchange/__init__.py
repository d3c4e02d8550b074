"""Termbase exchange: TBX v3 (TBX-Basic, DCA) and TBX v2 in and out, CSV and TSV in and out.

``export.export_termbase`` streams an export; ``importer.import_termbase`` imports a file in the
caller's transaction, all or nothing, and reports what it did. The formats' modules
(``tbx_write``, ``tbx_read``, ``csv_io``) share the records of ``records``; ``schematron`` runs
the official TBX Schematron rules with lxml.
"""
