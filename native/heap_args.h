/*
 * The calling convention shared by the heap kernels (gemm, adam, copyRows, colSum):
 * f(heap: <typed array over the tfjs wasm memory>, params: Float64Array of at least `count` numbers).
 * Sizes and offsets travel as doubles and must be non-negative integers below 2^53.
 */
#ifndef DPSB_HEAP_ARGS_H
#define DPSB_HEAP_ARGS_H
#include <node_api.h>
#include <math.h>

static inline int dpsb_is_index(double v) { return v >= 0 && v == floor(v) && v <= 9007199254740991.0; }

/* Reads (heap, params); on a mismatch throws `code` with `usage` and returns 0. */
static inline int dpsb_heap_args(napi_env env, napi_callback_info info, napi_typedarray_type heap_type, size_t count,
                                 const char *code, const char *usage, void **heap, size_t *heap_len,
                                 const double **params) {
  size_t argc = 2, plen, boff;
  napi_value argv[2], ab;
  napi_typedarray_type ht, pt;
  void *pdata;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_typedarray_info(env, argv[0], &ht, heap_len, heap, &ab, &boff) != napi_ok || ht != heap_type ||
      napi_get_typedarray_info(env, argv[1], &pt, &plen, &pdata, &ab, &boff) != napi_ok || pt != napi_float64_array ||
      plen < count) {
    napi_throw_error(env, code, usage);
    return 0;
  }
  *params = (const double *)pdata;
  return 1;
}
#endif
