"""The static site: pages, charts, downloads and catalogues generated from datapackages/.

Entry point: ``build.run(args)`` (see build.py). Modules have one job each:
load (read packages + registry), pages (Markdown from templates), charts (chooser,
Altair specs, SVG/PNG), downloads (files + ZIPs), catalog (DCAT, API, schema.org),
citation (GB/T 7714, APA, BibTeX), vendor (self-hosted vega JavaScript), units (one
package's outputs, built in worker processes) and cache (what an unchanged input need not
build again).
"""
