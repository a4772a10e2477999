# Two commands: `make run` (bot, or the sandbox without a token) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench proof setup clean render-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

# Two workers (pytest-xdist), each taking the next test when it is free: most end-to-end tests
# wait on their bot as much as they compute, and CI has two cores.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist worksteal

bench: $(STAMP)
	$(PY) -m bench report

# The long proofs (hostile sweep in full, 600 access-machine runs, 50 SIGKILLs) and one table.
proof: $(STAMP)
	$(PY) -m tests.proof_run

# Render a sample 小结 (demo township) to PDF and PNG pages under bench/out/ to check the Word
# layout by eye. Needs LibreOffice and poppler: apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk
render-check: $(STAMP)
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || { echo "needs: apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk"; exit 1; }
	rm -rf bench/out && mkdir -p bench/out
	DATABASE_PATH=bench/out/demo.sqlite3 ORG_NAME=博望镇党委 $(PY) -m bot demo
	DATABASE_PATH=bench/out/demo.sqlite3 ORG_NAME=博望镇党委 $(PY) -m bot digest --period $$(date +%Y-%m) --docx bench/out/xiaojie.docx --xlsx bench/out/taizhang.xlsx > bench/out/xiaojie.txt
	soffice --headless --convert-to pdf --outdir bench/out bench/out/xiaojie.docx >/dev/null
	pdftoppm -r 80 -png bench/out/xiaojie.pdf bench/out/page
	@ls bench/out/page*.png

clean:
	rm -rf $(VENV) .pytest_cache
