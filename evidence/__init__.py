"""The evidence library: the catalogue of evidence a council shows Ofsted inspectors."""

__version__ = "0.1.0"
