# memkit's Makefile: the habits of the seed documents (`make gc-profile duration=600`)
# on top of the CLI. Every target installs and builds what is missing first.
#
#   make gc-profile duration=600 scenario=lru-cache variant=stable-key
#   make test            # the test suite (README)
#   make bench           # benchmarks: ratios measured in the same run
#   make diff base=reports/baseline.json current=reports/current.json [format=markdown]
#   make bench-diff      # diff's cold start and noise benchmarks
#
# Extra CLI flags go in ARGS, e.g. make gc-profile ARGS="--node-arg=--max-semi-space-size=64"

NODE   ?= node
MEMKIT := $(NODE) bin/memkit.js
SRC    := $(shell find src scenarios -name '*.ts' 2>/dev/null) tsconfig.json

# opt(flag,value): the flag only when the make variable was given.
opt = $(if $(2),$(1) $(2))

.PHONY: install build test bench bench-diff clean gc-profile diff

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

# Every benchmark script; each prints its ratios against a reference measured in the same run.
bench: build
	@set -e; for f in bench/*.mjs; do echo "== $$f"; $(NODE) $$f; done

bench-diff: build
	$(NODE) bench/diff-cold-start.mjs
	$(NODE) bench/diff-noise.mjs

diff: build
	$(MEMKIT) diff $(base) $(current) $(call opt,--format,$(format)) $(ARGS)

gc-profile: build
	$(MEMKIT) gc-profile $(call opt,--duration,$(duration)) $(call opt,--scenario,$(scenario)) \
	  $(call opt,--variant,$(variant)) $(call opt,--interval,$(interval)) $(call opt,--out,$(out)) $(ARGS)

clean:
	rm -rf dist
