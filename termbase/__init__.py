"""The termbase domain: concepts and terms, their history, normalisation, look-up and recognition.

Depends on nothing of the web layer; the service (``app``) and the command line call into it.
"""
