{
  "targets": [
    {
      "target_name": "memkit_gc_hooks",
      "sources": ["gc_hooks.cc"],
      "cflags_cc": ["-O2", "-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "cflags_cc!": ["-std=gnu++17"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O2", "-std=c++17"] }
    }
  ]
}
