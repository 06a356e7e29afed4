# memkit's Makefile: the habits of the seed documents (`make gc-profile duration=600`)
# on top of the CLI. Every target installs and builds what is missing first.
#
#   make gc-profile duration=600 scenario=lru-cache variant=stable-key
#   make test            # lint, then the test suite (README)
#   make lint            # the layer rules (dependency-cruiser) and the linter (Biome)
#   make bench           # benchmarks: ratios measured in the same run
#   make diff base=reports/baseline.json current=reports/current.json [format=markdown]
#   make bench-diff      # diff's cold start and noise benchmarks
#   make bench-alloc     # --alloc-sites: cost and accuracy per sampling interval
#   make example-python  # seed 000's W1 before/after in Python, measured (examples/python/)
#
# Extra CLI flags go in ARGS, e.g. make gc-profile ARGS="--node-arg=--max-semi-space-size=64"

NODE   ?= node
MEMKIT := $(NODE) bin/memkit.js
SRC    := $(shell find src scenarios -name '*.ts' 2>/dev/null) tsconfig.json

# opt(flag,value): the flag only when the make variable was given.
opt = $(if $(2),$(1) $(2))

.PHONY: install build lint test bench bench-w4 bench-agent bench-soak bench-report bench-snapshot bench-snapshot-engine bench-snapshot-capture bench-similarity bench-diff bench-load bench-alloc bench-python clean example-python gc-profile mem-stress mem-snapshot report check-alerts similarity-build diff

node_modules/.package-lock.json: package.json package-lock.json
	npm ci
	@touch $@

install: node_modules/.package-lock.json

# tsc, then the bin's entry bundled into one file (scripts/bundle-cli.mjs) for a fast start.
dist/.built: node_modules/.package-lock.json $(SRC) scripts/bundle-cli.mjs
	npx tsc -p tsconfig.json
	$(NODE) scripts/bundle-cli.mjs
	@touch $@

# The native addons (npm ci builds them too); each rebuilt when its sources change.
# Without a compiler the build only warns and memkit uses their JavaScript fallbacks.
ADDON := native/similarity/build/Release/memkit_similarity.node
$(ADDON): native/similarity/binding.gyp $(wildcard native/similarity/*.cc native/similarity/*.h)
	$(NODE) native/build.mjs similarity

GC_HOOKS := native/gc-hooks/build/Release/memkit_gc_hooks.node
$(GC_HOOKS): native/gc-hooks/binding.gyp native/gc-hooks/gc_hooks.cc
	$(NODE) native/build.mjs gc-hooks

build: dist/.built $(ADDON) $(GC_HOOKS)

# The layer rules of docs/ARCHITECTURE.md (.dependency-cruiser.cjs: which folder of src/
# may import which), then Biome's lint rules (biome.jsonc). Lint only: nothing is rewritten.
lint: node_modules/.package-lock.json
	npx depcruise src scenarios --config .dependency-cruiser.cjs --output-type err-long
	npx biome lint --error-on-warnings

# Lint first, so a wrong arrow fails in seconds rather than after the suite.
test: lint build
	npx vitest run

diff: build
	$(MEMKIT) diff $(base) $(current) $(call opt,--format,$(format)) $(ARGS)

gc-profile: build
	$(MEMKIT) gc-profile $(call opt,--duration,$(duration)) $(call opt,--scenario,$(scenario)) \
	  $(call opt,--variant,$(variant)) $(call opt,--interval,$(interval)) $(call opt,--out,$(out)) \
	  $(call opt,--prometheus,$(prometheus)) $(call opt,--html,$(html)) $(ARGS)

# Seed 000's W1 in Python: both variants of examples/python/strategy.py under gc-profile
# --repeat, then the seed's table (before, after, change, memkit diff's verdict).
example-python: build
	$(NODE) examples/python/seed-table.mjs $(call opt,--ticks,$(ticks)) $(call opt,--repeat,$(repeat)) $(call opt,--python,$(python))

# Benchmarks print ratios against a reference measured in the same run (a shared,
# noisy machine); they are not part of `make test`.
bench: bench-agent bench-python bench-soak bench-report bench-snapshot bench-similarity bench-diff bench-load bench-alloc

# The seed's W4 on an express service, wrongly vs rightly keyed cache (default 10 min each).
bench-w4: build
	$(NODE) bench/soak-w4.mjs $(call opt,--minutes,$(minutes)) $(call opt,--rate,$(rate))

# The Python agent's cost in instructions: nothing per unit of work without collections, and per collection.
bench-python: build
	@if command -v valgrind >/dev/null && command -v $(or $(python),python3) >/dev/null; then $(NODE) bench/python-agent-instructions.mjs --python $(or $(python),python3); else echo 'bench-python: needs valgrind and python3, skipped'; fi

bench-agent: build
	$(NODE) bench/agent-tick-cost.mjs
	@if command -v valgrind >/dev/null; then $(NODE) bench/agent-instructions.mjs; else echo 'bench-agent: no valgrind, instruction counts skipped'; fi
	$(NODE) bench/agent-overhead.mjs
	$(NODE) bench/agent-overhead-tree.mjs

# --alloc-sites: the sampler's throughput cost at 512 KiB (scenarios and a command, interleaved),
# accuracy and cost per --alloc-interval, and callgrind's instruction counts (~5 min; QUICK=1 ~1.5 min).
# Knobs as environment variables: make bench-alloc ROUNDS=9 INTERVALS=64,512 PARTS=overhead
bench-alloc: build
	$(NODE) bench/alloc-sites-overhead.mjs
	@if command -v valgrind >/dev/null; then TARGETS=alloc-loop,lru-cache,backpressure $(NODE) bench/alloc-sampler-callgrind.cjs; else echo "bench-alloc: valgrind not installed: the instruction counts are skipped"; fi

# Seed 000's W1 table, measured: a soak of lru-cache before/after (10 min each by default).
bench-soak: build
	$(NODE) bench/soak-w1.mjs $(call opt,--duration,$(duration))

# diff's cold start against node -e 0, and its false/caught regressions on real runs (~12 min).
# The built-in HTTP load's own ceiling and latency floor, beside wrk when installed.
bench-load: build
	$(NODE) bench/load-ceiling.mjs $(call opt,--seconds,$(seconds))

# diff-pool: false-alarm rate and power of `memkit diff` from pools of runs kept in
# .bench/diff-pool/ (measured once, ~10 min at 2 runs at a time; reused after). It
# supersedes diff-noise.mjs here; that one still runs by hand (node bench/diff-noise.mjs).
# Knobs as environment variables: make bench-diff N=40 SPLITS=2000 RUNS=3,5,10,15
bench-diff: build
	$(NODE) bench/diff-cold-start.mjs
	$(NODE) bench/diff-pool.mjs
	$(NODE) bench/diff-advice-check.mjs

# The HTML report of a 24 h run at 100 ms: size, generation time, and load/zoom in Chromium.
bench-report: build
	$(NODE) bench/report-size.mjs $(call opt,--hours,$(hours))

# memkit's heap-snapshot engine against memlab (50 MB, 300 MB, 1 GB+ snapshots), and the
# capture's peak RSS against v8-profiler-next; both install their reference tools into
# .bench/ (never project dependencies). big=0 skips the 1 GB run.
bench-snapshot: bench-snapshot-engine bench-snapshot-capture

bench-snapshot-engine: build
	$(if $(big),SNAPSHOT_BENCH_BIG=$(big)) $(NODE) bench/snapshot-engine.js

bench-snapshot-capture: build
	$(NODE) bench/snapshot-capture.js

# make mem-snapshot scenario=lru-cache variant=unstable-key steps=2000
mem-snapshot: build
	$(MEMKIT) mem-snapshot --scenario $(or $(scenario),lru-cache) $(call opt,--variant,$(variant)) \
	  $(call opt,--steps,$(steps)) $(call opt,--out-dir,$(out)) $(call opt,--fail-on-leak,$(fail_on_leak)) $(ARGS)

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

# make similarity-build items=100000 [dims=128 top_k=200 micro_batch=50 budget=2GB out=reports/neighbors]
# or input=items.npy instead of items=. Extra flags in ARGS (e.g. ARGS=--compare).
similarity-build: build
	$(MEMKIT) similarity-build $(if $(items),--synthetic $(items)x$(or $(dims),128) --seed $(or $(seed),1)) \
	  $(call opt,--input,$(input)) $(call opt,--top-k,$(top_k)) $(call opt,--micro-batch,$(micro_batch)) \
	  $(call opt,--memory-budget,$(budget)) $(call opt,--out,$(out)) $(ARGS)

# The kernel alone per instruction-set level, then N=100000 D=128 K=200 against faiss and
# sklearn (BENCH_ARGS=--with-references installs them).
bench-similarity: build
	$(NODE) bench/similarity-kernel.mjs
	$(NODE) bench/similarity-bench.mjs $(BENCH_ARGS)

clean:
	rm -rf dist
