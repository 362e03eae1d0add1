{
  "targets": [
    {
      "target_name": "earshot_pocketsphinx",
      "sources": ["native/pocketsphinx_addon.c"],
      "cflags": ["<!@(pkg-config --cflags pocketsphinx)", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["<!@(pkg-config --libs pocketsphinx)"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["<!@(pkg-config --cflags pocketsphinx)"]
      }
    }
  ]
}
