/*
 * Fused Adam update over the tfjs wasm heap: one pass writes the new parameter and both moments into
 * freshly allocated outputs (never in place: other tensors may share the inputs' buffers).
 */
#include <stddef.h>
#include "heap_args.h"

enum { A_N, A_X, A_M, A_V, A_G, A_X_OUT, A_M_OUT, A_V_OUT, A_LR, A_B1, A_B2, A_EPS, A_C1, A_C2, A_WD, A_COUNT };

/* adam(heap: Float32Array, params: Float64Array) */
napi_value DpsbAdam(napi_env env, napi_callback_info info) {
  void *hdata;
  size_t hlen;
  const double *p;
  if (!dpsb_heap_args(env, info, napi_float32_array, A_COUNT, "ERR_DPSB_ADAM", "adam(heap: Float32Array, params: Float64Array of the documented length) expected", &hdata, &hlen, &p))
    return NULL;
  const double n = p[A_N];
  if (!dpsb_is_index(n)) {
    napi_throw_error(env, "ERR_DPSB_ADAM", "adam: size must be a non-negative integer");
    return NULL;
  }
  const int slots[] = {A_X, A_M, A_V, A_G, A_X_OUT, A_M_OUT, A_V_OUT};
  for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
    const double off = p[slots[i]];
    if (!dpsb_is_index(off) || off + n > (double)hlen) {
      napi_throw_error(env, "ERR_DPSB_ADAM", "adam: a buffer lies outside the wasm heap");
      return NULL;
    }
  }
  float *h = (float *)hdata;
  const float *x = h + (size_t)p[A_X], *m = h + (size_t)p[A_M], *v = h + (size_t)p[A_V], *g = h + (size_t)p[A_G];
  float *xo = h + (size_t)p[A_X_OUT], *mo = h + (size_t)p[A_M_OUT], *vo = h + (size_t)p[A_V_OUT];
  const float lr = (float)p[A_LR], b1 = (float)p[A_B1], b2 = (float)p[A_B2], eps = (float)p[A_EPS];
  const float ic1 = (float)(1.0 / p[A_C1]), isc2 = (float)(1.0 / sqrt(p[A_C2])), wd = (float)p[A_WD];
  for (size_t i = 0; i < (size_t)n; i++) {
    const float gi = g[i] + wd * x[i];
    const float mi = b1 * m[i] + (1.f - b1) * gi;
    const float vi = b2 * v[i] + (1.f - b2) * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    xo[i] = x[i] - lr * (mi * ic1) / (sqrtf(vi) * isc2 + eps);
  }
  return NULL;
}
