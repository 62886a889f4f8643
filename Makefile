# The one entry point for a fresh clone: `make test` builds the virtual
# environment it needs, then runs every check CI runs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test demo lint unit validate terraform-test bench local clean

# The checks run two at a time (the machines have two cores; pytest and Terraform's own
# tests each keep one busy), each one's output printed whole when it ends.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target lint validate unit terraform-test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check scripts test
	$(BIN)/ruff format --check scripts test

# Two workers, a test module each at a time (`loadscope`: a module's fixtures, such as the
# applied module of an integration file, are built once); a worker has its own embedded AWS.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadscope --durations=15

validate: $(STAMP)
	$(BIN)/winupdate validate documents --rendered
	$(BIN)/winupdate validate test/fixtures/seed

terraform-test: $(STAMP)
	@if ls *.tf >/dev/null 2>&1; then $(BIN)/python -m winupdate.tfcheck; else echo "no Terraform module yet"; fi

bench: $(STAMP)
	$(BIN)/python -m pytest -q test/bench

# The whole story on the embedded AWS, torn down at the end; the timeline goes to out/.
demo: $(STAMP)
	$(BIN)/winupdate demo --out out

local: $(STAMP)
	$(BIN)/winupdate local

clean:
	rm -rf $(VENV) .pytest_cache
