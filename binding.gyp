# The native addon over OpenBLAS + LAPACKE. scripts/build-native.mjs finds the headers and
# libraries and passes them through the environment (MAS_GYP_INCLUDE_DIRS, MAS_GYP_LIBRARIES,
# MAS_GYP_LDFLAGS); without it, the compiler's default paths and -llapacke -lopenblas are used.
{
  "targets": [
    {
      "target_name": "mas_native",
      "sources": ["native/mas_native.c"],
      "include_dirs": ["<!@(node -p \"process.env.MAS_GYP_INCLUDE_DIRS || ''\")"],
      "libraries": ["<!@(node -p \"process.env.MAS_GYP_LIBRARIES || '-llapacke -lopenblas'\")"],
      "ldflags": ["<!@(node -p \"process.env.MAS_GYP_LDFLAGS || ''\")"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O2", "-std=c11", "-Wall"],
        "OTHER_LDFLAGS": ["<!@(node -p \"process.env.MAS_GYP_LDFLAGS || ''\")"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
