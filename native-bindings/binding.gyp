{
  "targets": [
    {
      "target_name": "apisensor_pcap",
      "sources": ["src/pcap-binding.c", "src/fd-poller.c", "src/afpacket-binding.c"],
      "libraries": ["-lpcap"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
