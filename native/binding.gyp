{
  "targets": [
    {
      "target_name": "dpsb_gemm",
      "sources": ["gemm.c", "adam.c", "copy.c", "reduce.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "libraries": ["-lopenblas"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
