# memkit's Makefile: the habits of the seed documents (`make gc-profile duration=600`)
# on top of the CLI. Every target installs and builds what is missing first.
#
#   make gc-profile duration=600 scenario=lru-cache variant=stable-key
#   make test            # the test suite (README)
#   make bench           # benchmarks: ratios measured in the same run
#
# Extra CLI flags go in ARGS, e.g. make gc-profile ARGS="--node-arg=--max-semi-space-size=64"

NODE   ?= node
MEMKIT := $(NODE) bin/memkit.js
SRC    := $(shell find src scenarios -name '*.ts' 2>/dev/null) tsconfig.json

# opt(flag,value): the flag only when the make variable was given.
opt = $(if $(2),$(1) $(2))

.PHONY: install build test bench bench-agent bench-soak bench-report clean gc-profile mem-stress report check-alerts

node_modules/.package-lock.json: package.json package-lock.json
	npm ci
	@touch $@

install: node_modules/.package-lock.json

dist/.built: node_modules/.package-lock.json $(SRC)
	npx tsc -p tsconfig.json
	@touch $@

build: dist/.built

test: build
	npx vitest run

gc-profile: build
	$(MEMKIT) gc-profile $(call opt,--duration,$(duration)) $(call opt,--scenario,$(scenario)) \
	  $(call opt,--variant,$(variant)) $(call opt,--interval,$(interval)) $(call opt,--out,$(out)) \
	  $(call opt,--prometheus,$(prometheus)) $(call opt,--html,$(html)) $(ARGS)

# Benchmarks print ratios against a reference measured in the same run (a shared,
# noisy machine); they are not part of `make test`.
bench: bench-agent bench-soak bench-report

bench-agent: build
	$(NODE) bench/agent-overhead.mjs

# Seed 000's W1 table, measured: a soak of lru-cache before/after (10 min each by default).
bench-soak: build
	$(NODE) bench/soak-w1.mjs $(call opt,--duration,$(duration))

# The HTML report of a 24 h run at 100 ms: size, generation time, and load/zoom in Chromium.
bench-report: build
	$(NODE) bench/report-size.mjs $(call opt,--hours,$(hours))

mem-stress: build
	$(MEMKIT) mem-stress $(call opt,--signals,$(signals)) $(call opt,--duration,$(duration)) \
	  $(call opt,--scenario,$(scenario)) $(call opt,--variant,$(variant)) $(call opt,--rate,$(rate)) \
	  $(call opt,--warmup,$(warmup)) $(call opt,--out,$(out)) $(call opt,--prometheus,$(prometheus)) \
	  $(call opt,--html,$(html)) $(ARGS)

# make report baseline=reports/a.json [current=reports/b.json] [html=reports/a.html]
report: build
	$(MEMKIT) report $(baseline) $(current) --html $(or $(html),$(basename $(or $(current),$(baseline))).html) $(ARGS)

# The Prometheus alert rules (docs/prometheus.md): valid, and firing as their tests say.
check-alerts:
	cd docs/prometheus && promtool check rules memkit-alerts.yml && promtool test rules memkit-alerts.test.yml

clean:
	rm -rf dist
