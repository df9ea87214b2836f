{
  # One binary, every ISA: SIMD code lives in static libraries compiled with their own flags;
  # the addon target (N-API glue, dispatcher, scalar code) carries no SIMD flags so it loads anywhere.
  # native/amx adds the AMX tile flags to the AVX-512 ones; its code runs only where amx_ready().
  "variables": {
    "list_cc": "node -e \"const fs=require('fs');const d=process.argv[1];console.log(fs.existsSync(d)?fs.readdirSync(d).filter(f=>f.endsWith('.cc')).sort().map(f=>d+'/'+f).join(' '):'')\"",
    "common_cflags": ["-O3", "-fPIC", "-fno-strict-aliasing", "-fvisibility=hidden", "-Wall", "-Wno-unused-function"],
    "avx512_flags": ["-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx512bf16", "-mavx512vbmi"]
  },
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17"],
    "include_dirs": ["native"],
    "defines": ["NAPI_VERSION=8"]
  },
  "targets": [
    {
      "target_name": "ryzen_avx2",
      "type": "static_library",
      "sources": ["<!@(<(list_cc) native/avx2)"],
      "cflags": ["<@(common_cflags)", "-mavx2", "-mfma", "-mf16c"],
      "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma", "-mf16c"]
    },
    {
      "target_name": "ryzen_avx512",
      "type": "static_library",
      "sources": ["<!@(<(list_cc) native/avx512)"],
      "cflags": ["<@(common_cflags)", "<@(avx512_flags)"],
      "cflags_cc": ["<@(common_cflags)", "<@(avx512_flags)"]
    },
    {
      "target_name": "ryzen_amx",
      "type": "static_library",
      "sources": ["<!@(<(list_cc) native/amx)"],
      "cflags": ["<@(common_cflags)", "<@(avx512_flags)", "-mamx-tile", "-mamx-int8"],
      "cflags_cc": ["<@(common_cflags)", "<@(avx512_flags)", "-mamx-tile", "-mamx-int8"]
    },
    {
      "target_name": "ryzen_kernels",
      "dependencies": ["ryzen_avx2", "ryzen_avx512", "ryzen_amx", "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "sources": [
        "<!@(<(list_cc) native/core)",
        "<!@(<(list_cc) native/addon)",
        "<!@(<(list_cc) native/ops)",
        "<!@(<(list_cc) native/formats)",
        "<!@(<(list_cc) native/scalar)"
      ],
      "cflags": ["<@(common_cflags)"],
      "cflags_cc": ["<@(common_cflags)"],
      "libraries": ["-lpthread"]
    }
  ]
}
