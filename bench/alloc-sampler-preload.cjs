// node --require this: starts the sampler named in MEMKIT_BENCH_SAMPLER (bench/alloc-sampler-callgrind.cjs).
require('./alloc-sampler-callgrind.cjs').startSampler(process.env.MEMKIT_BENCH_SAMPLER);
