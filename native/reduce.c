/*
 * Column sums over the tfjs wasm heap: Sum/Mean over leading (batch) axes, i.e. bias gradients and
 * batch statistics. Stock wasm transposes the input first to make the axis innermost.
 */
#include <node_api.h>
#include <math.h>
#include <string.h>

enum { R_ROWS, R_COLS, R_SRC, R_DST, R_SCALE, R_COUNT };

static int ok_index(double v) { return v >= 0 && v == floor(v) && v <= 9007199254740991.0; }

/* colSum(heap: Float32Array, params: Float64Array): dst[c] = scale · Σ_r src[r·cols + c] (offsets in floats). */
napi_value DpsbColSum(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_typedarray_type ht, pt;
  size_t hlen, plen, boff;
  void *hdata, *pdata;
  napi_value ab;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_typedarray_info(env, argv[0], &ht, &hlen, &hdata, &ab, &boff) != napi_ok || ht != napi_float32_array ||
      napi_get_typedarray_info(env, argv[1], &pt, &plen, &pdata, &ab, &boff) != napi_ok || pt != napi_float64_array ||
      plen < R_COUNT) {
    napi_throw_error(env, "ERR_DPSB_COLSUM", "colSum(heap: Float32Array, params: Float64Array) expected");
    return NULL;
  }
  const double *p = (const double *)pdata;
  for (int i = 0; i < R_SCALE; i++) {
    if (!ok_index(p[i])) {
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
