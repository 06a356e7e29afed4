// Exact top-K inner-product neighbours of a micro-batch of rows against every column,
// without ever materialising a row of scores: a register tile of scores is compared with
// each row's current K-th best score and only the few that beat it leave the registers.
//
// Memory layout shared with the JS side (src/similarity/panel-layout.ts): the N x Dp
// matrix is stored in panels of 32 items; panel p holds, for k = 0..Dp-1, the k-th
// coordinate of items 32p..32p+31 contiguously ("k-major"), zero-padded past N. The
// column side of the product streams these 32-wide vectors straight into SIMD registers.
#pragma once
#include <cstddef>
#include <cstdint>

namespace memkit {

constexpr int kPanel = 32;

enum class Level { Generic = 0, Avx2 = 1, Avx512 = 2 };

struct Matrix {
  const float* panels;  // npanels * dp * 32 floats
  int64_t n;            // items
  int64_t dp;           // padded dimension
};

struct BatchStats {
  uint64_t candidates = 0;  // scores that beat a row's threshold and entered its buffer
  uint64_t compactions = 0;
};

// Rows [rowStart, rowStart+rowCount) against all n columns; row r's K best (score
// descending, then id ascending; self excluded) go to outIds/outScores[(r-rowStart)*k ..].
// colPanelsPerBlock: how many column panels are swept per row group before moving on
// (sized so a block stays in L2).
BatchStats topk_batch(Level level, const Matrix& m, int64_t rowStart, int64_t rowCount, int k,
                      int64_t colPanelsPerBlock, int32_t* outIds, float* outScores);

// Dense scores of rows [rowStart, rowStart+rowCount) against all columns over coordinates
// [kStart, kEnd): out[(r-rowStart)*n + j]. The old strategy (full similarity rows) uses it.
void dense_block(Level level, const Matrix& m, int64_t rowStart, int64_t rowCount, int64_t kStart,
                 int64_t kEnd, float* out);

bool cpu_has_avx2();
bool cpu_has_avx512();

}  // namespace memkit
