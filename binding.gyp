{
  # CPU build (node-gyp, prebuildify). Each ISA's kernels are a static library compiled with
  # its own flags; the core is compiled with none, and never tuned to the build host, so one binary
  # runs on every CPU of its architecture and picks kernels at run time.
  "target_defaults": {
    "cflags_cc": ["-O3", "-fexceptions", "-fno-math-errno", "-fvisibility=hidden", "-Wall", "-Wno-unused-function", "-Wno-uninitialized", "-Wno-maybe-uninitialized"],
    "cflags_cc!": ["-fno-exceptions", "-O2", "-Os"],
    "cflags!": ["-fno-exceptions"],
    "defines": ["MAXSIM_VERSION=\"0.1.0\""],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "10.15"
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } }
  },
  "targets": [
    {
      "target_name": "maxsim_core",
      "type": "static_library",
      "sources": ["<!@(node scripts/sources.js core)"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": [
            "maxsim_kernels_avx2", "maxsim_kernels_avx512", "maxsim_kernels_avx512_vnni",
            "maxsim_kernels_avx512_bf16", "maxsim_kernels_avx512_popcnt"
          ]
        }, {
          "defines": ["MAXSIM_NO_X86_KERNELS"]
        }]
      ]
    },
    {
      "target_name": "maxsim",
      "sources": ["<!@(node scripts/sources.js binding)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "dependencies": ["maxsim_core"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": [
            "maxsim_kernels_avx2", "maxsim_kernels_avx512", "maxsim_kernels_avx512_vnni",
            "maxsim_kernels_avx512_bf16", "maxsim_kernels_avx512_popcnt"
          ]
        }],
        ["OS=='linux'", { "ldflags": ["-pthread"], "cflags_cc": ["-pthread"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "maxsim_kernels_avx2",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx2)"],
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c", "-mpopcnt"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma", "-mf16c", "-mpopcnt"] },
          "msvs_settings": { "VCCLCompilerTool": { "EnableEnhancedInstructionSet": "5" } }
        },
        {
          "target_name": "maxsim_kernels_avx512",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx512)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma", "-mf16c", "-mpopcnt"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma", "-mf16c", "-mpopcnt"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        },
        {
          "target_name": "maxsim_kernels_avx512_vnni",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx512_vnni)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        },
        {
          "target_name": "maxsim_kernels_avx512_bf16",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx512_bf16)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        },
        {
          "target_name": "maxsim_kernels_avx512_popcnt",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx512_popcnt)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vpopcntdq", "-mavx2", "-mpopcnt"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vpopcntdq", "-mavx2", "-mpopcnt"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        }
      ]
    }]
  ]
}
