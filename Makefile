# Liaoning digital-development data portal. `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# The site engine: mkdocs (the default) or zensical (installs requirements-zensical.txt).
ENGINE ?= mkdocs
export NO_MKDOCS_2_WARNING := 1

.PHONY: help venv new-report extract drift validate review-registry build site publish serve test browser-deps bench audit clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(VENV)/.zensical: requirements-zensical.txt $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-zensical.txt
	touch $@

ENGINE_DEPS := $(if $(filter zensical,$(ENGINE)),$(VENV)/.zensical)

venv: $(STAMP)  ## create .venv and install the pinned requirements

new-report: $(STAMP)  ## register a new report: make new-report SOURCE=path/NNN_x.txt SLUG=short-name
	@test -n "$(SOURCE)" -a -n "$(SLUG)" || { echo "usage: make new-report SOURCE=path/to/NNN_x.txt SLUG=short-name"; exit 2; }
	$(PY) -m scripts.portal new-report --source "$(SOURCE)" --slug "$(SLUG)"

extract: $(STAMP)  ## re-extract datapackages/ from the source texts (PORTAL_SOURCES, default ../shared/sources)
	$(PY) -m scripts.portal extract

drift: $(STAMP)  ## fail if a fresh extraction differs from the committed packages
	$(PY) -m scripts.portal drift

validate: $(STAMP)  ## validate every package (Frictionless + quality checks)
	$(PY) -m scripts.portal validate

review-registry: $(STAMP)  ## print every wording joined under each indicator (IND=<id> for one)
	$(PY) -m scripts.portal review-registry $(if $(IND),--indicator "$(IND)")

build: $(STAMP)  ## generate pages, charts and downloads into docs/ (no mkdocs)
	$(PY) -m scripts.portal build

site: $(STAMP) $(ENGINE_DEPS)  ## validate, build and run the engine into site/ (atomically; ENGINE=zensical for Zensical)
	$(PY) -m scripts.portal site --engine $(ENGINE)

publish: $(STAMP) $(ENGINE_DEPS)  ## publishing build into site/: needs PORTAL_SITE_URL=https://… (the public base URL)
	$(PY) -m scripts.portal site --publish --engine $(ENGINE)

serve: site  ## build the portal and serve it on http://127.0.0.1:$(PORT)/ (gzip and 404 page, like a static host)
	$(PY) -m scripts.portal serve --port $(PORT)

browser-deps:  ## install Debian chromium + CJK fonts for browser tests where possible
	@bash scripts/browser-deps.sh

test: $(STAMP) browser-deps  ## run every test (unit, data, site and browser tests)
	$(PY) -m pytest -q -n 2 tests

bench: $(STAMP)  ## benchmark the pipeline at 30, 300 and 3000 synthetic packages
	$(PY) -m scripts.tools.bench

audit: site  ## Lighthouse (mobile), median of 3 runs, on every page type of the built site (scripts/tools/audit/pages.yaml)
	bash scripts/tools/audit.sh

clean:  ## remove built outputs (not the packages)
	rm -rf site site.new site.old .site.lock .cache test-artifacts
