// N-API binding of the top-K kernels (plain C N-API from Node's own headers: no
// dependency to download). Every call is synchronous and works on caller-owned typed
// arrays (SharedArrayBuffer-backed from worker threads), so parallelism stays in JS
// worker threads and the addon keeps no state between calls.
#include <node_api.h>

#include <cstring>
#include <string>

#include "topk_kernel.h"

namespace {

using memkit::Level;

bool ok(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, nullptr, what);
  return false;
}

bool get_i64(napi_env env, napi_value v, int64_t* out, const char* what) {
  return ok(env, napi_get_value_int64(env, v, out), what);
}

template <typename T>
bool get_array(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* length, const char* what) {
  bool is = false;
  if (!ok(env, napi_is_typedarray(env, v, &is), what)) return false;
  if (!is) {
    napi_throw_type_error(env, nullptr, what);
    return false;
  }
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (!ok(env, napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr), what)) return false;
  if (type != want) {
    napi_throw_type_error(env, nullptr, what);
    return false;
  }
  *data = static_cast<T*>(ptr);
  return true;
}

bool get_level(napi_env env, napi_value v, Level* level) {
  char buf[16];
  size_t len = 0;
  if (!ok(env, napi_get_value_string_utf8(env, v, buf, sizeof buf, &len), "level must be a string")) return false;
  const std::string s(buf, len);
  if (s == "avx512" && memkit::cpu_has_avx512()) *level = Level::Avx512;
  else if (s == "avx2" && memkit::cpu_has_avx2()) *level = Level::Avx2;
  else if (s == "generic") *level = Level::Generic;
  else {
    napi_throw_error(env, nullptr, ("kernel level not available on this CPU: " + s).c_str());
    return false;
  }
  return true;
}

// levels(): the instruction-set levels this CPU runs, best first.
napi_value Levels(napi_env env, napi_callback_info) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  auto add = [&](const char* name) {
    napi_value s;
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, i++, s);
  };
  if (memkit::cpu_has_avx512()) add("avx512");
  if (memkit::cpu_has_avx2()) add("avx2");
  add("generic");
  return arr;
}

// topkBatch(level, panels, n, dp, rowStart, rowCount, k, colPanelsPerBlock, outIds, outScores)
//   -> [candidates, compactions]
napi_value TopkBatch(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 10) {
    napi_throw_type_error(env, nullptr, "topkBatch: expected 10 arguments");
    return nullptr;
  }
  Level level;
  float* panels;
  size_t panelsLen;
  int64_t n, dp, rowStart, rowCount, k, block;
  int32_t* ids;
  size_t idsLen;
  float* scores;
  size_t scoresLen;
  if (!get_level(env, argv[0], &level) ||
      !get_array(env, argv[1], napi_float32_array, &panels, &panelsLen, "panels must be a Float32Array") ||
      !get_i64(env, argv[2], &n, "n") || !get_i64(env, argv[3], &dp, "dp") || !get_i64(env, argv[4], &rowStart, "rowStart") ||
      !get_i64(env, argv[5], &rowCount, "rowCount") || !get_i64(env, argv[6], &k, "k") || !get_i64(env, argv[7], &block, "block") ||
      !get_array(env, argv[8], napi_int32_array, &ids, &idsLen, "outIds must be an Int32Array") ||
      !get_array(env, argv[9], napi_float32_array, &scores, &scoresLen, "outScores must be a Float32Array")) {
    return nullptr;
  }
  const int64_t npanels = (n + memkit::kPanel - 1) / memkit::kPanel;
  // Bounds are checked here once so the kernels can index without checks.
  if (n <= 0 || dp <= 0 || k <= 0 || rowStart < 0 || rowCount <= 0 || rowStart + rowCount > n ||
      static_cast<int64_t>(panelsLen) < npanels * dp * memkit::kPanel ||
      static_cast<int64_t>(idsLen) < rowCount * k || static_cast<int64_t>(scoresLen) < rowCount * k || k >= (1 << 30)) {
    napi_throw_range_error(env, nullptr, "topkBatch: arguments out of range");
    return nullptr;
  }
  const memkit::Matrix m{panels, n, dp};
  const memkit::BatchStats st =
      memkit::topk_batch(level, m, rowStart, rowCount, static_cast<int>(k), block, ids, scores);
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, static_cast<double>(st.candidates), &a);
  napi_create_double(env, static_cast<double>(st.compactions), &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

// denseBlock(level, panels, n, dp, rowStart, rowCount, kStart, kEnd, out)
napi_value DenseBlock(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 9) {
    napi_throw_type_error(env, nullptr, "denseBlock: expected 9 arguments");
    return nullptr;
  }
  Level level;
  float* panels;
  size_t panelsLen;
  int64_t n, dp, rowStart, rowCount, kStart, kEnd;
  float* out;
  size_t outLen;
  if (!get_level(env, argv[0], &level) ||
      !get_array(env, argv[1], napi_float32_array, &panels, &panelsLen, "panels must be a Float32Array") ||
      !get_i64(env, argv[2], &n, "n") || !get_i64(env, argv[3], &dp, "dp") || !get_i64(env, argv[4], &rowStart, "rowStart") ||
      !get_i64(env, argv[5], &rowCount, "rowCount") || !get_i64(env, argv[6], &kStart, "kStart") ||
      !get_i64(env, argv[7], &kEnd, "kEnd") ||
      !get_array(env, argv[8], napi_float32_array, &out, &outLen, "out must be a Float32Array")) {
    return nullptr;
  }
  const int64_t npanels = (n + memkit::kPanel - 1) / memkit::kPanel;
  if (n <= 0 || dp <= 0 || rowStart < 0 || rowCount <= 0 || rowStart + rowCount > n || kStart < 0 || kEnd > dp ||
      kStart >= kEnd || static_cast<int64_t>(panelsLen) < npanels * dp * memkit::kPanel ||
      static_cast<int64_t>(outLen) < rowCount * n) {
    napi_throw_range_error(env, nullptr, "denseBlock: arguments out of range");
    return nullptr;
  }
  const memkit::Matrix m{panels, n, dp};
  memkit::dense_block(level, m, rowStart, rowCount, kStart, kEnd, out);
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT(/* env, exports */) {
  napi_property_descriptor props[] = {
      {"levels", nullptr, Levels, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"topkBatch", nullptr, TopkBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"denseBlock", nullptr, DenseBlock, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
