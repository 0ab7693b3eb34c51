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
# ...and dev with SnapStart on (docs/benchmarks.md, "SnapStart"): its template has the version, the alias and the targets on it.
PACKAGES := $(STAGES) dev-snapstart
TEMPLATES := $(foreach package,$(PACKAGES),.package/$(package)/cloudformation-template-update-stack.json)
# The venv first, so that the Serverless CLI's `python3.12` is the venv's; then the npm binaries.
export NODE_NO_WARNINGS := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# The embedded AWS (moto server) for the local stage.
EMULATOR_URL := http://127.0.0.1:$(or $(EMULATOR_PORT),4566)
# ...and the stand-in Amazon Connect beside it (local_aws/connect.py), which the local stage's Connect hours sync calls.
CONNECT_URL := http://127.0.0.1:$(or $(CONNECT_PORT),4567)
LOCAL_AWS := AWS_ENDPOINT_URL=$(EMULATOR_URL) AWS_ENDPOINT_URL_CONNECT=$(CONNECT_URL) AWS_ACCESS_KEY_ID=test \
	AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled \
	LOG='$(LOG)' RECORD='$(RECORD)'
# The local stage's Connect instance: the stand-in's.
LOCAL_CONNECT := --param connectInstanceArn=arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-4000-8000-00000000c0de
# Packaging must need no AWS account: no credentials, no profile, no config.
NO_AWS := env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

.PHONY: help setup setup-scan lint format typecheck unit coverage package package-stages cfn-lint security-scan salesforce-check test \
	demo emulator-start emulator-stop deploy-local invoke stream selftest look-table look-files look-emails logs dead-letters \
	clean bench

# Every target with a `## ` comment on its line, in the order of this file (`make` alone runs this).
help: ## list every target (this)
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)$$/\1\t\2/' | \
		awk -F '\t' '{ printf "make %-17s %s\n", $$1, $$2 }'

# The dev venv and the Serverless CLI: all that `make demo` and the local targets need; the two install side by side
# (pip from local wheels, npm from its registry: one waits on the disk, the other on the network).
setup: ## the dev venv (.venv, Python 3.12) and node_modules (osls)
	@$(MAKE) --no-print-directory -j2 $(VENV)/.installed node_modules/.installed

# The security scanner's venv, for `make test` and `make security-scan` only.
setup-scan: $(SCAN_VENV)/.installed ## the security scanner's own venv (.venv-scan, checkov)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12 not found (set PYTHON_BIN)"; exit 1; }
	@test ! -L $(VENV) || { echo "$(VENV) is a link: install in the checkout it points to"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON_BIN) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# npm ci empties node_modules first: through a link (a second checkout sharing this one's) it would empty the other's.
node_modules/.installed: package.json package-lock.json .npmrc
	@test ! -L node_modules || { echo "node_modules is a link: install in the checkout it points to"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup ## ruff (lint and format) and the import contract (layers)
	ruff check .
	ruff format --check .
	lint-imports

# What `make lint` checks of ruff, fixed in place: the fixable findings first (a fix may need formatting after it), then
# the format; the last step lists what no fix could change, and fails on it.
format: setup ## rewrite the Python code to what lint checks (ruff check --fix, ruff format)
	ruff check --fix --exit-zero --silent .
	ruff format .
	ruff check .

typecheck: setup ## mypy on the package code
	mypy

# pytest in worker processes (pytest-xdist): one per CPU, at most 4 (each builds its own moto stacks; ports are the
# kernel's free ones, files each test's tmp_path), handed tests as they free up (worksteal: the bulk import is one
# long test). PYTEST_WORKERS=0 runs them in this process. The 15 slowest tests are listed at the end: where the time goes.
PYTEST_WORKERS ?= auto
unit: setup ## every test (unit, integration, reliability) with line coverage, in worker processes
	COVERAGE_CORE=sysmon pytest -n $(PYTEST_WORKERS) --maxprocesses=4 --dist worksteal --cov --cov-report=term --durations=15

# The bulk import at its full size (tests/reliability/test_bulk_import.py, 5,000 requests; `make test` runs 1,000, about
# a minute): 11 minutes on a machine shared with other work (moto's cost per request grows with the table), too long
# for CI's budget; the same ingredients at five times the count.
bulk-import: setup ## the bulk-import reliability test with 5,000 requests (make test runs it with 1,000)
	BULK_IMPORT_REQUESTS=5000 pytest -p no:cacheprovider --no-cov -s tests/reliability/test_bulk_import.py

# Branch coverage as well as lines: the tracer core (Python 3.12's sys.monitoring cannot see branches), twice the CPU.
coverage: setup ## every test with branch coverage (slower than make test's line coverage)
	pytest -n $(PYTEST_WORKERS) --maxprocesses=4 --dist worksteal --cov --cov-branch --cov-report=term

package: setup ## serverless package --stage prod, offline; says where the zip is and how big
	@$(NO_AWS) serverless package --stage prod >.serverless-package.log 2>&1 || { cat .serverless-package.log; exit 1; }
	@rm -f .serverless-package.log
	@python -c 'import os; z=".serverless/config-bridge.zip"; print(f"packaged: {os.path.abspath(z)}, {os.path.getsize(z)/2**20:.2f} MB ({os.path.getsize(z)} bytes; the package check allows under 8 MB)")'

# Every stage into .package/<stage>, offline (`package` alone is prod into .serverless). The framework packages in
# `.serverless` beside serverless.yml and deletes it afterwards, whatever --package says; so these run in a copy of
# what the package is made of (.package/src), and `make test` can run while `make invoke` or `make deploy-local`
# deploys the local stage from the checkout's own `.serverless`.
PACKAGE_SOURCES := serverless.yml handler.py router services infra requirements.txt package.json
package-stages: setup ## every stage into .package/<stage>, offline, and the package check
	rm -rf .package/src && mkdir -p .package/src/scripts
	cp -R $(PACKAGE_SOURCES) .package/src/ && cp scripts/compile_package.py .package/src/scripts/
	find .package/src -name __pycache__ -prune -exec rm -rf {} +
	ln -s $(CURDIR)/node_modules .package/src/node_modules
	for stage in $(STAGES); do (cd .package/src && $(NO_AWS) serverless package --stage $$stage \
		--package $(CURDIR)/.package/$$stage) || exit 1; done
	cd .package/src && $(NO_AWS) serverless package --stage dev --param=snapStart=true \
		--package $(CURDIR)/.package/dev-snapstart
	python scripts/check_package.py $(foreach package,$(PACKAGES),.package/$(package)/config-bridge.zip)

cfn-lint: package-stages ## cfn-lint on every packaged template
	cfn-lint $(TEMPLATES)

$(SCAN_VENV)/.installed: requirements-scan.txt
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12 not found (set PYTHON_BIN)"; exit 1; }
	@test ! -L $(SCAN_VENV) || { echo "$(SCAN_VENV) is a link: install in the checkout it points to"; exit 1; }
	test -x $(SCAN_VENV)/bin/python || $(PYTHON_BIN) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-scan.txt
	touch $@

# checkov on every stage's packaged template: zero findings; each skipped check carries its reason in the
# resource's Metadata (infra/*.yml; for what the framework generates, serverless.yml's resources extensions).
# Offline: no download of external checks.
security-scan: package-stages setup-scan ## checkov on every packaged template: zero findings
	$(SCAN_VENV)/bin/checkov --framework cloudformation --compact --quiet --skip-download \
		$(addprefix -f ,$(TEMPLATES))

# The Salesforce source (salesforce/force-app) read by Salesforce's own library, @salesforce/source-deploy-retrieve:
# every file belongs to a component it recognises, and the whole converts to the Metadata API format that a deploy
# sends. Offline, no org: an org may still refuse what converts (a bad field reference, a missing licence).
salesforce-check: node_modules/.installed ## the Salesforce source read by Salesforce's own library, offline
	node scripts/check_salesforce_source.js

# The checks side by side (make -j; each one's output in one piece when it ends, so a failure reads whole): pytest's
# workers take most of the CPUs, the others fill in around them and packaging waits for nothing; the scanner's venv
# installs while pytest runs (security-scan needs it, nothing else does). TEST_JOBS=1: one after
# the other.
TEST_JOBS ?= 4
test: setup ## everything CI checks
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target lint typecheck unit salesforce-check cfn-lint security-scan

emulator-start: setup ## start the embedded AWS (moto server on 127.0.0.1:4566) and the stand-in Connect (4567)
	@scripts/emulator.sh start

emulator-stop: ## stop the embedded AWS: everything deployed or written to it is gone
	@scripts/emulator.sh stop

deploy-local: emulator-start ## serverless deploy --stage local to the embedded AWS (with the stand-in Connect)
	$(LOCAL_AWS) serverless deploy --stage local $(LOCAL_CONNECT)

demo: setup ## the whole system on the embedded AWS: the loop, then every sample event; ends PASS or FAIL
	@$(LOCAL_AWS) CONNECT_PORT=$(or $(CONNECT_PORT),4567) scripts/demo.sh

# Working by hand on the local stage (docs/local.md). Only the answer goes to stdout.
invoke: setup ## EVENT=events/<name>.json or EVENT='{"operation":"describe"}': the answer as JSON (deploys first; LOG=1: its log lines too)
	@test -n '$(EVENT)' || { echo "usage: make invoke EVENT=events/<name>.json  or  EVENT='{\"operation\":\"describe\"}'" >&2; exit 2; }
	@scripts/emulator.sh start >&2
	@$(LOCAL_AWS) python scripts/local_stage.py invoke '$(EVENT)'

stream: setup ## the table's stream handed to the router once: the status files and e-mails it sent (LOG=1: its log lines too)
	@$(LOCAL_AWS) python scripts/local_stage.py stream

# The self-test of every path (docs/operations.md, "The self-test"): one line each; exits 1 when one failed. The local
# stage runs against the embedded AWS (deployed first when absent); any other stage through `serverless invoke`.
STAGE ?= local
selftest: setup ## the self-test of every path: STAGE=local (default, the embedded AWS) or a deployed stage
	@if [ "$(STAGE)" = local ]; then scripts/emulator.sh start >&2 && $(LOCAL_AWS) python scripts/selftest.py local; \
	else python scripts/selftest.py '$(STAGE)'; fi

look-table: setup ## the local table's items
	@$(LOCAL_AWS) python scripts/local_stage.py look table

look-files: setup ## the local status files, with their content
	@$(LOCAL_AWS) python scripts/local_stage.py look files

look-emails: setup ## the e-mails sent so far (by `make stream`)
	@$(LOCAL_AWS) python scripts/local_stage.py look emails

logs: setup ## the function's log lines of every `make invoke` and `make stream` since the demo (RECORD=<id>: one request's)
	@$(LOCAL_AWS) python scripts/local_stage.py logs

dead-letters: setup ## realistic letters into the local dead-letter queues, to rehearse a redrive (docs/operations.md)
	@scripts/emulator.sh start >&2
	@$(LOCAL_AWS) python scripts/local_stage.py dead-letters

# The benchmarks (bench/, docs/benchmarks.md): a moto server of their own on EMULATOR_PORT (default 4606), started
# and stopped by bench/run.py; the deployment zip in .serverless is reused when fresh, packaged otherwise. The
# targets are judged on instruction counts (valgrind's callgrind, apt-get install valgrind).
bench: setup ## benchmarks against the floor, one table; not part of make test
	EMULATOR_PORT=$(or $(EMULATOR_PORT),4606) $(VENV)/bin/python -m bench.run $(BENCH_ARGS)

# The stop's failure (a port another process holds) is said, not fatal: the builds go all the same.
clean: ## stop the embedded AWS, remove every build and cache
	-@scripts/emulator.sh stop
	rm -rf .serverless .package .emulator .pytest_cache .coverage .mypy_cache .ruff_cache
