/*
 * Column sums over the tfjs wasm heap: Sum/Mean over leading (batch) axes, i.e. bias gradients and
 * batch statistics. Stock wasm transposes the input first to make the axis innermost.
 */
#include <string.h>
#include "heap_args.h"

enum { R_ROWS, R_COLS, R_SRC, R_DST, R_SCALE, R_COUNT };

/* colSum(heap: Float32Array, params: Float64Array): dst[c] = scale · Σ_r src[r·cols + c] (offsets in floats). */
napi_value DpsbColSum(napi_env env, napi_callback_info info) {
  void *hdata;
  size_t hlen;
  const double *p;
  if (!dpsb_heap_args(env, info, napi_float32_array, R_COUNT, "ERR_DPSB_COLSUM", "colSum(heap: Float32Array, params: Float64Array) expected", &hdata, &hlen, &p))
    return NULL;
  for (int i = 0; i < R_SCALE; i++) {
    if (!dpsb_is_index(p[i])) {
      napi_throw_error(env, "ERR_DPSB_COLSUM", "colSum: sizes and offsets must be non-negative integers");
      return NULL;
    }
  }
  const double rows = p[R_ROWS], cols = p[R_COLS];
  if (cols == 0) return NULL;
  if (p[R_SRC] + rows * cols > (double)hlen || p[R_DST] + cols > (double)hlen) {
    napi_throw_error(env, "ERR_DPSB_COLSUM", "colSum: a range lies outside the wasm heap");
    return NULL;
  }
  float *h = (float *)hdata;
  const size_t R = (size_t)rows, C = (size_t)cols;
  const float *src = h + (size_t)p[R_SRC];
  float *dst = h + (size_t)p[R_DST];
  const float scale = (float)p[R_SCALE];
  memset(dst, 0, sizeof(float) * C);
  for (size_t r = 0; r < R; r++) {
    const float *row = src + r * C;
    for (size_t c = 0; c < C; c++) dst[c] += row[c];
  }
  if (scale != 1.f)
    for (size_t c = 0; c < C; c++) dst[c] *= scale;
  return NULL;
}
