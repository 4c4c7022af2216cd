// The container every maxsim file uses (indexes, quantizers):
//
//   layout: header (32 bytes) | payload (payloadBytes) | crc32c of header+payload (4 bytes)
//   header: magic "MAXSIM\0\1" (8) | kind (4 ASCII chars, e.g. "HNSW", "PQ  ") | version u32 |
//           flags u32 | reserved u32 | payloadBytes u64
//
// All integers little-endian. Writers build the payload in memory or stream it, then
// FileWriter::commit() writes "<path>.tmp-<pid>", fsyncs, and renames over <path>, so a crash
// leaves either the old file or the new one, never a torn one. Readers check magic, kind,
// version, length and checksum before the first field is parsed, and every read after that is
// bounds-checked: a truncated or altered file gives ERR_CORRUPT_FILE, never a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "error.h"

namespace maxsim {

constexpr char kFileMagic[8] = {'M', 'A', 'X', 'S', 'I', 'M', '\0', '\1'};
constexpr size_t kFileHeaderBytes = 32;

// Streams a payload to a temporary file while checksumming it; commit() makes it visible.
class FileWriter {
 public:
  FileWriter(const std::string& path, const char kind[4], uint32_t version, uint32_t flags = 0);
  ~FileWriter();  // removes the temporary file if commit() was never reached
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void write(const void* data, size_t n);
  template <class T> void pod(const T& v) {
    static_assert(std::is_trivially_copyable<T>::value, "pod() takes plain values");
    write(&v, sizeof(T));
  }
  template <class T> void vec(const std::vector<T>& v) {
    pod<uint64_t>(v.size());
    if (!v.empty()) write(v.data(), v.size() * sizeof(T));
  }
  void str(const std::string& s) {
    pod<uint64_t>(s.size());
    write(s.data(), s.size());
  }
  // Pads the payload with zeros to a multiple of `align` bytes (for mmap-able arrays).
  void align(size_t align);
  uint64_t payloadSize() const { return payloadBytes_; }

  void commit();

 private:
  void flush();
  std::string path_, tmp_;
  void* file_ = nullptr;  // FILE*
  uint32_t crc_ = 0;
  uint64_t payloadBytes_ = 0;
  std::vector<uint8_t> buf_;
  uint8_t header_[kFileHeaderBytes];
  bool committed_ = false;
};

// A verified file held in memory (read) or mapped read-only (mmap).
class FileReader {
 public:
  // Opens and verifies. expectKind: 4 chars; accepts versions 1..maxVersion.
  static std::unique_ptr<FileReader> open(const std::string& path, const char kind[4], uint32_t maxVersion,
                                          bool mmap = false);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  uint32_t version() const { return version_; }
  uint32_t flags() const { return flags_; }
  bool mapped() const { return mapped_; }

  // Cursor over the payload; every call checks the remaining length.
  void read(void* out, size_t n);
  template <class T> T pod() {
    T v;
    read(&v, sizeof(T));
    return v;
  }
  template <class T> std::vector<T> vec(uint64_t maxCount = UINT64_MAX) {
    const uint64_t n = pod<uint64_t>();
    if (n > maxCount || n > remaining() / (sizeof(T) ? sizeof(T) : 1)) corrupt("array length out of range");
    std::vector<T> v(n);
    if (n) read(v.data(), n * sizeof(T));
    return v;
  }
  std::string str(uint64_t maxLen = 1u << 30) {
    const uint64_t n = pod<uint64_t>();
    if (n > maxLen || n > remaining()) corrupt("string length out of range");
    std::string s(n, '\0');
    read(&s[0], n);
    return s;
  }
  // Borrows n bytes in place (valid while the reader lives; the mmap case relies on this).
  const uint8_t* borrow(size_t n);
  void align(size_t align);
  uint64_t remaining() const { return payloadBytes_ - pos_; }
  void expectEnd() const {
    if (remaining() != 0) corrupt("trailing bytes after the payload");
  }
  [[noreturn]] void corrupt(const std::string& what) const;

 private:
  FileReader() = default;
  std::string path_;
  const uint8_t* payload_ = nullptr;
  uint64_t payloadBytes_ = 0, pos_ = 0;
  uint32_t version_ = 0, flags_ = 0;
  std::vector<uint8_t> owned_;
  void* map_ = nullptr;
  size_t mapBytes_ = 0;
  bool mapped_ = false;
};

}  // namespace maxsim
