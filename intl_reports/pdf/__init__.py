"""PDF下載: the outcome report as a printable, stampable PDF.

render.py lays the report out (template + WeasyPrint), fetcher.py is the only way the renderer
loads anything (the report's own images, from storage), cache.py keeps rendered PDFs keyed by
the report's revision.
"""
