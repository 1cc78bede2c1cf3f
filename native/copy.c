/*
 * Strided row copies inside the tfjs wasm heap (bytes, any dtype): the data movement behind Slice,
 * SplitV and Concat. One N-API call replaces thousands of per-row TypedArray.set calls from JS.
 */
#include <string.h>
#include "heap_args.h"

enum { C_ROWS, C_LEN, C_SRC, C_SRC_STRIDE, C_DST, C_DST_STRIDE, C_COUNT };

/* copyRows(heap: Uint8Array, params: Float64Array): rows × len bytes from src (stride) to dst (stride). */
napi_value DpsbCopyRows(napi_env env, napi_callback_info info) {
  void *hdata;
  size_t hlen;
  const double *p;
  if (!dpsb_heap_args(env, info, napi_uint8_array, C_COUNT, "ERR_DPSB_COPY", "copyRows(heap: Uint8Array, params: Float64Array) expected", &hdata, &hlen, &p))
    return NULL;
  for (int i = 0; i < C_COUNT; i++) {
    if (!dpsb_is_index(p[i])) {
      napi_throw_error(env, "ERR_DPSB_COPY", "copyRows: parameters must be non-negative integers");
      return NULL;
    }
  }
  const double rows = p[C_ROWS], len = p[C_LEN];
  if (rows == 0 || len == 0) return NULL;
  const double src_end = p[C_SRC] + (rows - 1) * p[C_SRC_STRIDE] + len;
  const double dst_end = p[C_DST] + (rows - 1) * p[C_DST_STRIDE] + len;
  if (src_end > (double)hlen || dst_end > (double)hlen) {
    napi_throw_error(env, "ERR_DPSB_COPY", "copyRows: a range lies outside the wasm heap");
    return NULL;
  }
  unsigned char *h = (unsigned char *)hdata;
  const size_t n = (size_t)len, ss = (size_t)p[C_SRC_STRIDE], ds = (size_t)p[C_DST_STRIDE];
  const unsigned char *s = h + (size_t)p[C_SRC];
  unsigned char *d = h + (size_t)p[C_DST];
  for (size_t r = 0; r < (size_t)rows; r++) memmove(d + r * ds, s + r * ss, n);
  return NULL;
}
