// Kernels for exact top-K inner products; see topk_kernel.h for the layout.
//
// Each instruction-set level is compiled per function with __attribute__((target)), not
// with -march=native, so one binary runs on any x86-64 and picks its best level at run
// time (cpu_has_*). Within a level every score is one sequential chain of FMAs over k,
// so a pair's score depends only on the two vectors, never on where they sit in a tile:
// identical items tie exactly and the lower id wins, whatever the batch or thread.
#include "topk_kernel.h"

#include <algorithm>
#include <array>
#include <utility>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define MEMKIT_X86 1
#define TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#else
#define MEMKIT_X86 0
#endif

namespace memkit {

namespace {

struct Cand {
  float s;
  int32_t id;
};

// The neighbour order: higher score first, then lower id (the documented tie rule).
// A function object, not a function pointer, so std::sort and nth_element inline it.
struct Better {
  bool operator()(const Cand& a, const Cand& b) const { return a.s > b.s || (a.s == b.s && a.id < b.id); }
};
constexpr Better better{};

struct RowState {
  float thr;  // a score must beat this to matter: at least K kept scores are above it
  int32_t cnt;
  int64_t row;
  float* s;   // candidate scores and ids (structure of arrays, so SIMD can append)
  int32_t* id;
};

// Per-row candidate buffers of 2K+64 entries. Scores above the row's threshold are
// appended; a full buffer is cut back by raising the threshold to a value t that still
// leaves at least K scores strictly above it (t is read off a small sorted sample of the
// buffer, so a cut is two linear passes, not a sort), and everything <= t is dropped.
// That keeps the threshold a valid lower bound of the row's final K-th score whatever
// the visiting order, and after the first few thousand columns almost every score is
// rejected inside the registers. The exact order (score, then id) is applied once, in
// finish(), to the survivors.
class Selector {
 public:
  static constexpr int kSlack = 32;  // SIMD appends may write up to a full vector past cnt

  Selector(int64_t rowStart, int64_t rowCount, int k, int64_t n)
      : k_(k), cap_(2 * k + 64), n_(n), scores_(static_cast<size_t>(rowCount) * (cap_ + kSlack)),
        ids_(static_cast<size_t>(rowCount) * (cap_ + kSlack)), rows_(rowCount) {
    for (int64_t r = 0; r < rowCount; ++r) {
      rows_[r] = RowState{-INFINITY, 0, rowStart + r, scores_.data() + r * (cap_ + kSlack),
                          ids_.data() + r * (cap_ + kSlack)};
    }
  }

  RowState& row(int64_t local) { return rows_[local]; }
  int64_t cap() const { return cap_; }

  // Drops columns past the end (padding of the last panel) and the row itself.
  uint32_t exclude(const RowState& rs, uint32_t mask, int64_t col0, int width) const {
    if (col0 + width > n_) mask &= (n_ - col0 >= 32) ? 0xffffffffu : ((1u << (n_ - col0)) - 1u);
    if (rs.row >= col0 && rs.row < col0 + width) mask &= ~(1u << (rs.row - col0));
    return mask;
  }

  // width consecutive columns from col0 had scores s[0..width); mask marks those above
  // the row's threshold when it was read.
  void push(RowState& rs, const float* s, uint32_t mask, int64_t col0, int width) {
    mask = exclude(rs, mask, col0, width);
    while (mask) {
      const int j = __builtin_ctz(mask);
      mask &= mask - 1;
      if (!(s[j] > rs.thr)) continue;  // the threshold may have risen in a cut below
      if (rs.cnt == cap_) {
        compact(rs);
        if (!(s[j] > rs.thr)) continue;
      }
      rs.s[rs.cnt] = s[j];
      rs.id[rs.cnt] = static_cast<int32_t>(col0 + j);
      ++rs.cnt;
      ++stats.candidates;
    }
  }

  void compact(RowState& rs) {
    ++stats.compactions;
    const int cnt = rs.cnt;
    // A sorted (descending) sample of 32 buffer scores; try cut points from about the
    // K-th position downwards until one leaves >= K scores above it.
    constexpr int S = 32;
    float smp[S];
    for (int i = 0; i < S; ++i) smp[i] = rs.s[(static_cast<int64_t>(i) * cnt) / S];
    std::sort(smp, smp + S, [](float a, float b) { return a > b; });
    for (int idx = static_cast<int>((static_cast<int64_t>(k_) * S + cnt - 1) / cnt) + 3; idx < S; idx += 3) {
      const float t = smp[idx];
      int above = 0;
      for (int i = 0; i < cnt; ++i) above += rs.s[i] > t;
      if (above < k_) continue;
      if (above >= cnt) break;  // nothing would go: fall through to the exact cut
      // Branch-free: whether a score survives is a coin toss to the branch predictor.
      int j = 0;
      for (int i = 0; i < cnt; ++i) {
        const float v = rs.s[i];
        rs.s[j] = v;
        rs.id[j] = rs.id[i];
        j += v > t;
      }
      rs.cnt = j;
      rs.thr = t;
      return;
    }
    // Exact cut, for buffers full of equal scores (duplicated or zero vectors): keep the
    // K best by (score, id). Columns arrive in increasing id order, so a later score equal
    // to the new threshold has a larger id and rightly loses.
    tmp_.resize(cnt);
    for (int i = 0; i < cnt; ++i) tmp_[i] = Cand{rs.s[i], rs.id[i]};
    std::nth_element(tmp_.begin(), tmp_.begin() + (k_ - 1), tmp_.end(), better);
    for (int i = 0; i < k_; ++i) {
      rs.s[i] = tmp_[i].s;
      rs.id[i] = tmp_[i].id;
    }
    rs.cnt = k_;
    rs.thr = tmp_[k_ - 1].s;
  }

  void finish(int32_t* outIds, float* outScores) {
    for (size_t r = 0; r < rows_.size(); ++r) {
      RowState& rs = rows_[r];
      tmp_.resize(rs.cnt);
      for (int i = 0; i < rs.cnt; ++i) tmp_[i] = Cand{rs.s[i], rs.id[i]};
      const int kept = std::min<int>(rs.cnt, k_);
      if (rs.cnt > k_) std::nth_element(tmp_.begin(), tmp_.begin() + (k_ - 1), tmp_.end(), better);
      std::sort(tmp_.begin(), tmp_.begin() + kept, better);
      for (int i = 0; i < k_; ++i) {
        outIds[r * k_ + i] = i < kept ? tmp_[i].id : -1;
        outScores[r * k_ + i] = i < kept ? tmp_[i].s : NAN;
      }
    }
  }

  BatchStats stats;

 private:
  int k_;
  int64_t cap_;
  int64_t n_;
  std::vector<float> scores_;
  std::vector<int32_t> ids_;
  std::vector<RowState> rows_;
  std::vector<Cand> tmp_;
};

// Row group of MR rows packed k-major (a[kk*MR + r]) so the micro-kernel reads one
// contiguous stream for the broadcast side.
void pack_rows(const Matrix& m, int64_t row0, int mr, int64_t kStart, int64_t klen, float* a) {
  for (int r = 0; r < mr; ++r) {
    const int64_t i = row0 + r;
    const float* src = m.panels + (i / kPanel) * m.dp * kPanel + (i % kPanel) + kStart * kPanel;
    for (int64_t kk = 0; kk < klen; ++kk) a[kk * mr + r] = src[kk * kPanel];
  }
}

struct DenseSink {
  float* out;
  int64_t n;
};

// ---------------------------------------------------------------- generic (any CPU)

template <int MR, bool kDense>
void group_generic(const float* a, const Matrix& m, int64_t kStart, int64_t klen, int64_t p0, int64_t p1,
                   Selector* sel, DenseSink* dense, int64_t local0) {
  alignas(64) float c[MR][kPanel];
  for (int64_t p = p0; p < p1; ++p) {
    const float* b = m.panels + p * m.dp * kPanel + kStart * kPanel;
    std::memset(c, 0, sizeof c);
    for (int64_t kk = 0; kk < klen; ++kk) {
      const float* bk = b + kk * kPanel;
      for (int r = 0; r < MR; ++r) {
        const float av = a[kk * MR + r];
        for (int j = 0; j < kPanel; ++j) c[r][j] += av * bk[j];
      }
    }
    const int64_t col0 = p * kPanel;
    for (int r = 0; r < MR; ++r) {
      if constexpr (kDense) {
        const int64_t w = std::min<int64_t>(kPanel, dense->n - col0);
        std::memcpy(dense->out + (local0 + r) * dense->n + col0, c[r], w * sizeof(float));
      } else {
        RowState& rs = sel->row(local0 + r);
        uint32_t mask = 0;
        for (int j = 0; j < kPanel; ++j) mask |= static_cast<uint32_t>(c[r][j] > rs.thr) << j;
        if (mask) sel->push(rs, c[r], mask, col0, kPanel);
      }
    }
  }
}

#if MEMKIT_X86
// ---------------------------------------------------------------- AVX2 + FMA
// 16 ymm registers: a 6-row x 16-column tile (12 accumulators, 2 column vectors, 1
// broadcast); each 32-wide panel is swept as two halves.

template <int MR, bool kDense>
TARGET_AVX2 void group_avx2(const float* a, const Matrix& m, int64_t kStart, int64_t klen, int64_t p0, int64_t p1,
                            Selector* sel, DenseSink* dense, int64_t local0) {
  for (int64_t p = p0; p < p1; ++p) {
    for (int half = 0; half < 2; ++half) {
      const float* b = m.panels + p * m.dp * kPanel + kStart * kPanel + half * 16;
      __m256 c0[MR], c1[MR];
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
      const float* ak = a;
      for (int64_t kk = 0; kk < klen; ++kk, b += kPanel, ak += MR) {
        const __m256 b0 = _mm256_loadu_ps(b);
        const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
          const __m256 av = _mm256_broadcast_ss(ak + r);
          c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
          c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
        }
      }
      alignas(32) float tile[MR][16];
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        _mm256_store_ps(tile[r], c0[r]);
        _mm256_store_ps(tile[r] + 8, c1[r]);
      }
      const int64_t col0 = p * kPanel + half * 16;
      for (int r = 0; r < MR; ++r) {
        if constexpr (kDense) {
          const int64_t w = std::min<int64_t>(16, dense->n - col0);
          if (w > 0) std::memcpy(dense->out + (local0 + r) * dense->n + col0, tile[r], w * sizeof(float));
        } else {
          RowState& rs = sel->row(local0 + r);
          const __m256 t = _mm256_set1_ps(rs.thr);
          const uint32_t mask =
              static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_load_ps(tile[r]), t, _CMP_GT_OQ))) |
              (static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_load_ps(tile[r] + 8), t, _CMP_GT_OQ))) << 8);
          if (mask) sel->push(rs, tile[r], mask, col0, 16);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- AVX-512
// 32 zmm registers: a 12-row x 32-column tile (24 accumulators, 2 column vectors, 1
// broadcast). The threshold test is two mask compares per row per tile.

template <int MR, bool kDense>
TARGET_AVX512 void group_avx512(const float* a, const Matrix& m, int64_t kStart, int64_t klen, int64_t p0,
                                int64_t p1, Selector* sel, DenseSink* dense, int64_t local0) {
  for (int64_t p = p0; p < p1; ++p) {
    const float* b = m.panels + p * m.dp * kPanel + kStart * kPanel;
    __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    const float* ak = a;
    for (int64_t kk = 0; kk < klen; ++kk, b += kPanel, ak += MR) {
      const __m512 b0 = _mm512_loadu_ps(b);
      const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(ak[r]);
        c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
      }
    }
    // Spill the tile to L1 before filtering: a push() call with live accumulators would
    // make the compiler keep them on the stack inside the k loop.
    alignas(64) float tile[MR][kPanel];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      _mm512_store_ps(tile[r], c0[r]);
      _mm512_store_ps(tile[r] + 16, c1[r]);
    }
    const int64_t col0 = p * kPanel;
    for (int r = 0; r < MR; ++r) {
      if constexpr (kDense) {
        const int64_t w = std::min<int64_t>(kPanel, dense->n - col0);
        std::memcpy(dense->out + (local0 + r) * dense->n + col0, tile[r], w * sizeof(float));
      } else {
        RowState& rs = sel->row(local0 + r);
        const __m512 t = _mm512_set1_ps(rs.thr);
        const uint32_t mask = static_cast<uint32_t>(_mm512_cmp_ps_mask(_mm512_load_ps(tile[r]), t, _CMP_GT_OQ)) |
                              (static_cast<uint32_t>(_mm512_cmp_ps_mask(_mm512_load_ps(tile[r] + 16), t, _CMP_GT_OQ)) << 16);
        if (!mask) continue;
        if (rs.cnt + kPanel <= sel->cap()) {
          // Append by compression: no per-candidate branch.
          const uint32_t keep = sel->exclude(rs, mask, col0, kPanel);
          const __m512i ids0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(col0)),
                                                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
          const __m512i ids1 = _mm512_add_epi32(ids0, _mm512_set1_epi32(16));
          const __mmask16 k0 = static_cast<__mmask16>(keep), k1 = static_cast<__mmask16>(keep >> 16);
          _mm512_storeu_ps(rs.s + rs.cnt, _mm512_maskz_compress_ps(k0, _mm512_load_ps(tile[r])));
          _mm512_storeu_si512(rs.id + rs.cnt, _mm512_maskz_compress_epi32(k0, ids0));
          rs.cnt += __builtin_popcount(k0);
          _mm512_storeu_ps(rs.s + rs.cnt, _mm512_maskz_compress_ps(k1, _mm512_load_ps(tile[r] + 16)));
          _mm512_storeu_si512(rs.id + rs.cnt, _mm512_maskz_compress_epi32(k1, ids1));
          rs.cnt += __builtin_popcount(k1);
          sel->stats.candidates += __builtin_popcount(keep);
        } else {
          sel->push(rs, tile[r], mask, col0, kPanel);
        }
      }
    }
  }
}
#endif

using GroupFn = void (*)(const float*, const Matrix&, int64_t, int64_t, int64_t, int64_t, Selector*, DenseSink*,
                         int64_t);

// Tables of group kernels indexed by the group's row count (1..MR): the remainder group
// of a micro-batch gets a kernel of its exact height.
template <int MR, bool kDense>
struct GenericK {
  static constexpr GroupFn fn = &group_generic<MR, kDense>;
};
#if MEMKIT_X86
template <int MR, bool kDense>
struct Avx2K {
  static constexpr GroupFn fn = &group_avx2<MR, kDense>;
};
template <int MR, bool kDense>
struct Avx512K {
  static constexpr GroupFn fn = &group_avx512<MR, kDense>;
};
#endif

template <template <int, bool> class K, bool kDense, size_t... Is>
constexpr std::array<GroupFn, sizeof...(Is)> make_table(std::index_sequence<Is...>) {
  return {K<static_cast<int>(Is) + 1, kDense>::fn...};
}

struct LevelKernels {
  int mr;
  const GroupFn* topk;
  const GroupFn* dense;
};

constexpr auto kGenericTopk = make_table<GenericK, false>(std::make_index_sequence<4>{});
constexpr auto kGenericDense = make_table<GenericK, true>(std::make_index_sequence<4>{});
#if MEMKIT_X86
constexpr auto kAvx2Topk = make_table<Avx2K, false>(std::make_index_sequence<6>{});
constexpr auto kAvx2Dense = make_table<Avx2K, true>(std::make_index_sequence<6>{});
constexpr auto kAvx512Topk = make_table<Avx512K, false>(std::make_index_sequence<12>{});
constexpr auto kAvx512Dense = make_table<Avx512K, true>(std::make_index_sequence<12>{});
#endif

LevelKernels kernels_for(Level level) {
#if MEMKIT_X86
  if (level == Level::Avx512) return {12, kAvx512Topk.data(), kAvx512Dense.data()};
  if (level == Level::Avx2) return {6, kAvx2Topk.data(), kAvx2Dense.data()};
#endif
  (void)level;
  return {4, kGenericTopk.data(), kGenericDense.data()};
}

// Sweeps rows [rowStart, rowStart+rowCount) against every column panel: column blocks
// outermost (a block is reused from L2 by every row group of the batch), then row
// groups, then the panels of the block in increasing order.
void sweep(Level level, const Matrix& m, int64_t rowStart, int64_t rowCount, int64_t kStart, int64_t klen,
           int64_t colPanelsPerBlock, Selector* sel, DenseSink* dense) {
  const LevelKernels kern = kernels_for(level);
  const int64_t npanels = (m.n + kPanel - 1) / kPanel;
  const int64_t groups = (rowCount + kern.mr - 1) / kern.mr;
  std::vector<float> apack(static_cast<size_t>(groups) * kern.mr * klen);
  for (int64_t g = 0; g < groups; ++g) {
    const int mr = static_cast<int>(std::min<int64_t>(kern.mr, rowCount - g * kern.mr));
    pack_rows(m, rowStart + g * kern.mr, mr, kStart, klen, apack.data() + g * kern.mr * klen);
  }
  const int64_t block = std::max<int64_t>(1, colPanelsPerBlock);
  for (int64_t p0 = 0; p0 < npanels; p0 += block) {
    const int64_t p1 = std::min(npanels, p0 + block);
    for (int64_t g = 0; g < groups; ++g) {
      const int mr = static_cast<int>(std::min<int64_t>(kern.mr, rowCount - g * kern.mr));
      const GroupFn fn = (dense ? kern.dense : kern.topk)[mr - 1];
      fn(apack.data() + g * kern.mr * klen, m, kStart, klen, p0, p1, sel, dense, g * kern.mr);
    }
  }
}

}  // namespace

BatchStats topk_batch(Level level, const Matrix& m, int64_t rowStart, int64_t rowCount, int k,
                      int64_t colPanelsPerBlock, int32_t* outIds, float* outScores) {
  Selector sel(rowStart, rowCount, k, m.n);
  sweep(level, m, rowStart, rowCount, 0, m.dp, colPanelsPerBlock, &sel, nullptr);
  sel.finish(outIds, outScores);
  return sel.stats;
}

void dense_block(Level level, const Matrix& m, int64_t rowStart, int64_t rowCount, int64_t kStart, int64_t kEnd,
                 float* out) {
  DenseSink sink{out, m.n};
  const int64_t block = std::max<int64_t>(1, (1 << 20) / std::max<int64_t>(1, (kEnd - kStart) * kPanel * 4));
  sweep(level, m, rowStart, rowCount, kStart, kEnd - kStart, block, nullptr, &sink);
}

bool cpu_has_avx2() {
#if MEMKIT_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_has_avx512() {
#if MEMKIT_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

}  // namespace memkit
