/*
 * dp-synth-bench native GEMM: OpenBLAS sgemm over the tfjs wasm heap, in place.
 *
 * The wasm backend keeps every float32 tensor in one WebAssembly.Memory; the JS side passes that
 * memory as a Float32Array plus element offsets, so no copy is made in or out. Every range is checked
 * against the heap length before BLAS touches it (a bad offset must throw, never scribble memory).
 * The bias + activation epilogue is fused here so a Dense layer is one kernel call.
 */
#include <cblas.h>
#include "heap_args.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ACT_LINEAR = 0, ACT_RELU, ACT_RELU6, ACT_ELU, ACT_PRELU, ACT_SIGMOID, ACT_LEAKYRELU };

/* Layout of the Float64Array of parameters passed to gemm(); kept in sync with src/compute/native.ts. */
enum {
  P_BATCH, P_M, P_N, P_K, P_TRANS_A, P_TRANS_B,
  P_A_OFF, P_A_SB, P_B_OFF, P_B_SB, P_C_OFF,
  P_BIAS_OFF, P_BIAS_SB, P_BIAS_SM, P_BIAS_SN,
  P_ACT, P_ALPHA,
  P_PRELU_OFF, P_PRELU_SB, P_PRELU_SM, P_PRELU_SN,
  P_COUNT
};

#define THROW(env, msg) do { napi_throw_error((env), "ERR_DPSB_GEMM", (msg)); return NULL; } while (0)
#define CHECK(env, call) do { if ((call) != napi_ok) THROW((env), "N-API call failed: " #call); } while (0)

/* Highest element touched by a strided 3-D view must lie inside the heap. */
static int in_bounds(double off, double batch, double sb, double rows, double sr, double cols, double sc,
                     size_t len) {
  if (!dpsb_is_index(off) || !dpsb_is_index(sb) || !dpsb_is_index(sr) || !dpsb_is_index(sc)) return 0;
  if (batch <= 0 || rows <= 0 || cols <= 0) return off <= (double)len;
  double last = off + (batch - 1) * sb + (rows - 1) * sr + (cols - 1) * sc;
  return last < (double)len;
}

static inline float apply_act(float v, int act, float alpha, float prelu) {
  switch (act) {
    case ACT_RELU: return v > 0.f ? v : 0.f;
    case ACT_RELU6: return v < 0.f ? 0.f : (v > 6.f ? 6.f : v);
    case ACT_ELU: return v >= 0.f ? v : expf(v) - 1.f;
    case ACT_PRELU: return v < 0.f ? prelu * v : v;
    case ACT_SIGMOID: return 1.f / (1.f + expf(-v));
    case ACT_LEAKYRELU: return v < 0.f ? alpha * v : v;
    default: return v;
  }
}

/* gemm(heap: Float32Array, params: Float64Array): C[b] = act(op(A[b]) · op(B[b]) + bias[b]) */
static napi_value Gemm(napi_env env, napi_callback_info info) {
  void *hdata;
  size_t hlen;
  const double *p;
  if (!dpsb_heap_args(env, info, napi_float32_array, P_COUNT, "ERR_DPSB_GEMM", "gemm(heap: Float32Array, params: Float64Array of the documented length) expected", &hdata, &hlen, &p))
    return NULL;
  float *heap = (float *)hdata;

  const double batch = p[P_BATCH], m = p[P_M], n = p[P_N], k = p[P_K];
  if (!dpsb_is_index(batch) || !dpsb_is_index(m) || !dpsb_is_index(n) || !dpsb_is_index(k) || m > INT32_MAX || n > INT32_MAX ||
      k > INT32_MAX)
    THROW(env, "gemm: batch/m/n/k must be non-negative int32 values");
  const int ta = p[P_TRANS_A] != 0, tb = p[P_TRANS_B] != 0;
  const int act = (int)p[P_ACT];
  if (act < ACT_LINEAR || act > ACT_LEAKYRELU) THROW(env, "gemm: unknown activation code");
  const float alpha = (float)p[P_ALPHA];
  /* Storage of A is [m,k] (or [k,m] when transposed), B is [k,n] (or [n,k]). */
  const double a_rows = ta ? k : m, a_cols = ta ? m : k;
  const double b_rows = tb ? n : k, b_cols = tb ? k : n;
  if (batch == 0 || m == 0 || n == 0) return NULL;
  if (!in_bounds(p[P_A_OFF], batch, p[P_A_SB], a_rows, a_cols, a_cols, 1, hlen))
    THROW(env, "gemm: operand A lies outside the wasm heap");
  if (!in_bounds(p[P_B_OFF], batch, p[P_B_SB], b_rows, b_cols, b_cols, 1, hlen))
    THROW(env, "gemm: operand B lies outside the wasm heap");
  if (!in_bounds(p[P_C_OFF], batch, m * n, m, n, n, 1, hlen))
    THROW(env, "gemm: output lies outside the wasm heap");
  const int has_bias = p[P_BIAS_OFF] >= 0, has_prelu = p[P_PRELU_OFF] >= 0;
  if (has_bias && !in_bounds(p[P_BIAS_OFF], batch, p[P_BIAS_SB], m, p[P_BIAS_SM], n, p[P_BIAS_SN], hlen))
    THROW(env, "gemm: bias lies outside the wasm heap");
  if (act == ACT_PRELU && !has_prelu) THROW(env, "gemm: prelu activation needs weights");
  if (has_prelu &&
      !in_bounds(p[P_PRELU_OFF], batch, p[P_PRELU_SB], m, p[P_PRELU_SM], n, p[P_PRELU_SN], hlen))
    THROW(env, "gemm: prelu weights lie outside the wasm heap");

  const int M = (int)m, N = (int)n, K = (int)k;
  const int lda = (int)a_cols, ldb = (int)b_cols;
  for (size_t bi = 0; bi < (size_t)batch; bi++) {
    const float *A = heap + (size_t)p[P_A_OFF] + bi * (size_t)p[P_A_SB];
    const float *B = heap + (size_t)p[P_B_OFF] + bi * (size_t)p[P_B_SB];
    float *C = heap + (size_t)p[P_C_OFF] + bi * (size_t)M * N;
    if (K == 0) {
      memset(C, 0, sizeof(float) * (size_t)M * N);
    } else {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f, A,
                  lda > 0 ? lda : 1, B, ldb > 0 ? ldb : 1, 0.f, C, N);
    }
    if (!has_bias && act == ACT_LINEAR) continue;
    const float *bias = has_bias ? heap + (size_t)p[P_BIAS_OFF] + bi * (size_t)p[P_BIAS_SB] : NULL;
    const float *pw = has_prelu ? heap + (size_t)p[P_PRELU_OFF] + bi * (size_t)p[P_PRELU_SB] : NULL;
    const size_t bsm = (size_t)p[P_BIAS_SM], bsn = (size_t)p[P_BIAS_SN];
    const size_t psm = (size_t)p[P_PRELU_SM], psn = (size_t)p[P_PRELU_SN];
    for (int i = 0; i < M; i++) {
      float *row = C + (size_t)i * N;
      if (bias) {
        const float *br = bias + i * bsm;
        if (bsn == 1) for (int j = 0; j < N; j++) row[j] += br[j];
        else for (int j = 0; j < N; j++) row[j] += br[j * bsn];
      }
      if (act == ACT_RELU) {
        for (int j = 0; j < N; j++) row[j] = row[j] > 0.f ? row[j] : 0.f;
      } else if (act != ACT_LINEAR) {
        const float *pr = pw ? pw + i * psm : NULL;
        for (int j = 0; j < N; j++) row[j] = apply_act(row[j], act, alpha, pr ? pr[j * psn] : 0.f);
      }
    }
  }
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* rawSgemm(m, n, k, transA, transB, iters) -> seconds per call: the OpenBLAS ceiling, no JS or heap. */
static napi_value RawSgemm(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) THROW(env, "rawSgemm(m, n, k, transA, transB, iters) needs 6 arguments");
  int32_t v[6];
  for (int i = 0; i < 6; i++) {
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) THROW(env, "rawSgemm: arguments must be integers");
  }
  const int M = v[0], N = v[1], K = v[2], ta = v[3] != 0, tb = v[4] != 0, iters = v[5];
  if (M <= 0 || N <= 0 || K <= 0 || iters <= 0 || M > 1 << 14 || N > 1 << 14 || K > 1 << 14)
    THROW(env, "rawSgemm: sizes must be in 1..16384 and iters positive");
  float *A = malloc(sizeof(float) * (size_t)M * K), *B = malloc(sizeof(float) * (size_t)K * N),
        *C = malloc(sizeof(float) * (size_t)M * N);
  if (!A || !B || !C) {
    free(A); free(B); free(C);
    THROW(env, "rawSgemm: out of memory");
  }
  for (size_t i = 0; i < (size_t)M * K; i++) A[i] = (float)((i * 7919) % 1000) / 1000.f - 0.5f;
  for (size_t i = 0; i < (size_t)K * N; i++) B[i] = (float)((i * 104729) % 1000) / 1000.f - 0.5f;
  const int lda = ta ? M : K, ldb = tb ? K : N;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f, A, lda,
              B, ldb, 0.f, C, N); /* warm-up */
  const double t0 = now_s();
  for (int it = 0; it < iters; it++)
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f, A, lda,
                B, ldb, 0.f, C, N);
  const double dt = (now_s() - t0) / iters;
  free(A); free(B); free(C);
  napi_value out;
  CHECK(env, napi_create_double(env, dt, &out));
  return out;
}

/* info() -> { config, threads }: what OpenBLAS build and thread count serve the kernels. */
static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, cfg, thr;
  CHECK(env, napi_create_object(env, &obj));
  CHECK(env, napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &cfg));
  CHECK(env, napi_create_int32(env, openblas_get_num_threads(), &thr));
  CHECK(env, napi_set_named_property(env, obj, "config", cfg));
  CHECK(env, napi_set_named_property(env, obj, "threads", thr));
  return obj;
}

napi_value DpsbAdam(napi_env env, napi_callback_info info);     /* adam.c */
napi_value DpsbCopyRows(napi_env env, napi_callback_info info); /* copy.c */
napi_value DpsbColSum(napi_env env, napi_callback_info info);   /* reduce.c */

static napi_value Init(napi_env env, napi_value exports) {
  /* One BLAS thread: training runs in parallel processes on few cores; threads would oversubscribe. */
  openblas_set_num_threads(1);
  napi_property_descriptor props[] = {
    {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_default, NULL},
    {"rawSgemm", NULL, RawSgemm, NULL, NULL, NULL, napi_default, NULL},
    {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
    {"adam", NULL, DpsbAdam, NULL, NULL, NULL, napi_default, NULL},
    {"copyRows", NULL, DpsbCopyRows, NULL, NULL, NULL, napi_default, NULL},
    {"colSum", NULL, DpsbColSum, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
