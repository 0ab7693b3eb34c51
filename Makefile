# The two commands: `make demo` (the system on an embedded AWS) and `make test` (everything CI checks).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A real Python 3.12: pyenv's own build first (its shim fails when 3.12 is not the selected version).
PYTHON_BIN ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.12.*/bin/python3.12) \
	$(shell command -v python3.12 2>/dev/null | grep -v shims))
VENV := .venv
# checkov pins its own boto3, so it lives in a venv of its own (requirements-scan.txt).
SCAN_VENV := .venv-scan
# Every stage, each packaged once into its own directory, for cfn-lint and the security scan.
STAGES := local dev prod
# ...and dev with SnapStart on (README, "SnapStart"): its template has the version, the alias and the targets on it.
PACKAGES := $(STAGES) dev-snapstart
TEMPLATES := $(foreach package,$(PACKAGES),.package/$(package)/cloudformation-template-update-stack.json)
# The venv first, so that the Serverless CLI's `python3.12` is the venv's; then the npm binaries.
export NODE_NO_WARNINGS := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# The embedded AWS (moto server) for the local stage.
EMULATOR_URL := http://127.0.0.1:$(or $(EMULATOR_PORT),4566)
LOCAL_AWS := AWS_ENDPOINT_URL=$(EMULATOR_URL) AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled
# Packaging must need no AWS account: no credentials, no profile, no config.
NO_AWS := env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

.PHONY: help setup lint typecheck unit package package-stages cfn-lint security-scan test demo emulator-start \
	emulator-stop deploy-local clean bench

help:
	@echo "make demo   - run the system locally: embedded AWS, deploy the local stage, push the sample events"
	@echo "make test   - lint, type-check, tests with branch coverage, serverless package (every stage),"
	@echo "              cfn-lint and the checkov security scan of each stage's template"
	@echo "make bench  - benchmarks against the floor (cold start, per-event cost, AWS calls, batch throughput,"
	@echo "              zip size, peak memory): one table; not part of make test (BENCH_ARGS=--record bench/RESULTS.md)"

setup: $(VENV)/.installed node_modules/.installed $(SCAN_VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12 not found (set PYTHON_BIN)"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON_BIN) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json .npmrc
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	ruff check .
	ruff format --check .
	lint-imports

typecheck: setup
	mypy

unit: setup
	pytest --cov --cov-report=term

package: setup
	$(NO_AWS) serverless package --stage prod

# Every stage into .package/<stage>, offline (`package` alone is prod into .serverless).
package-stages: setup
	for stage in $(STAGES); do $(NO_AWS) serverless package --stage $$stage --package .package/$$stage || exit 1; done
	$(NO_AWS) serverless package --stage dev --param=snapStart=true --package .package/dev-snapstart
	python scripts/check_package.py $(foreach package,$(PACKAGES),.package/$(package)/config-bridge.zip)

cfn-lint: package-stages
	cfn-lint $(TEMPLATES)

$(SCAN_VENV)/.installed: requirements-scan.txt
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12 not found (set PYTHON_BIN)"; exit 1; }
	test -x $(SCAN_VENV)/bin/python || $(PYTHON_BIN) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-scan.txt
	touch $@

# checkov on every stage's packaged template: zero findings; each skipped check carries its reason in the
# resource's Metadata (serverless.yml). Offline: no download of external checks.
security-scan: package-stages $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/checkov --framework cloudformation --compact --quiet --skip-download \
		$(addprefix -f ,$(TEMPLATES))

# The Salesforce source (salesforce/force-app) read by Salesforce's own library, @salesforce/source-deploy-retrieve:
# every file belongs to a component it recognises, and the whole converts to the Metadata API format that a deploy
# sends. Offline, no org: an org may still refuse what converts (a bad field reference, a missing licence).
.PHONY: salesforce-check
salesforce-check: node_modules/.installed
	node scripts/check_salesforce_source.js

test: lint typecheck unit salesforce-check cfn-lint security-scan

emulator-start: setup
	scripts/emulator.sh start

emulator-stop:
	scripts/emulator.sh stop

deploy-local: emulator-start
	$(LOCAL_AWS) serverless deploy --stage local

demo: setup
	$(LOCAL_AWS) scripts/demo.sh

# The benchmarks (bench/, README "Benchmarks"): a moto server of their own on EMULATOR_PORT (default 4606), started
# and stopped by bench/run.py; the deployment zip in .serverless is reused when fresh, packaged otherwise.
bench: setup
	EMULATOR_PORT=$(or $(EMULATOR_PORT),4606) $(VENV)/bin/python -m bench.run $(BENCH_ARGS)

clean: emulator-stop
	rm -rf .serverless .package .emulator .pytest_cache .coverage .mypy_cache .ruff_cache
