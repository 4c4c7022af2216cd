#include "file_format.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#if defined(_WIN32)
#include <io.h>
#include <process.h>
#define MAXSIM_GETPID _getpid
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define MAXSIM_GETPID getpid
#endif

#include "checksum.h"

namespace maxsim {
namespace {

[[noreturn]] void ioError(const std::string& what, const std::string& path) {
  throw Error(codes::kIo, what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

FileWriter::FileWriter(const std::string& path, const char kind[4], uint32_t version, uint32_t flags) : path_(path) {
  tmp_ = path + ".tmp-" + std::to_string(MAXSIM_GETPID());
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) ioError("cannot create", tmp_);
  std::memset(header_, 0, sizeof(header_));
  std::memcpy(header_, kFileMagic, 8);
  std::memcpy(header_ + 8, kind, 4);
  std::memcpy(header_ + 12, &version, 4);
  std::memcpy(header_ + 16, &flags, 4);
  // payloadBytes is patched in commit(); write a placeholder now.
  if (std::fwrite(header_, 1, sizeof(header_), static_cast<FILE*>(file_)) != sizeof(header_)) ioError("cannot write", tmp_);
  buf_.reserve(1 << 20);
}

FileWriter::~FileWriter() {
  if (file_) std::fclose(static_cast<FILE*>(file_));
  if (!committed_) std::remove(tmp_.c_str());
}

void FileWriter::flush() {
  if (buf_.empty()) return;
  if (std::fwrite(buf_.data(), 1, buf_.size(), static_cast<FILE*>(file_)) != buf_.size()) ioError("cannot write", tmp_);
  crc_ = crc32c(buf_.data(), buf_.size(), crc_);
  buf_.clear();
}

void FileWriter::write(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  payloadBytes_ += n;
  if (n >= (1u << 20)) {
    flush();
    if (std::fwrite(p, 1, n, static_cast<FILE*>(file_)) != n) ioError("cannot write", tmp_);
    crc_ = crc32c(p, n, crc_);
    return;
  }
  if (buf_.size() + n > (1u << 20)) flush();
  buf_.insert(buf_.end(), p, p + n);
}

void FileWriter::align(size_t a) {
  static const uint8_t zeros[64] = {0};
  while (payloadBytes_ % a) write(zeros, std::min<size_t>(a - payloadBytes_ % a, sizeof(zeros)));
}

void FileWriter::commit() {
  flush();
  FILE* f = static_cast<FILE*>(file_);
  std::memcpy(header_ + 24, &payloadBytes_, 8);
  // The trailer is crc(header) XOR crc(payload): the payload's CRC was accumulated while
  // streaming, before the header's final length was known.
  uint32_t crc = crc32c(header_, sizeof(header_));
  crc ^= crc_;
  if (std::fwrite(&crc, 1, 4, f) != 4) ioError("cannot write", tmp_);
  if (std::fseek(f, 0, SEEK_SET) != 0 || std::fwrite(header_, 1, sizeof(header_), f) != sizeof(header_))
    ioError("cannot write", tmp_);
  if (std::fflush(f) != 0) ioError("cannot flush", tmp_);
#if !defined(_WIN32)
  if (fsync(fileno(f)) != 0) ioError("cannot sync", tmp_);
#endif
  std::fclose(f);
  file_ = nullptr;
#if defined(_WIN32)
  std::remove(path_.c_str());
#endif
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) ioError("cannot rename to", path_);
  committed_ = true;
}

std::unique_ptr<FileReader> FileReader::open(const std::string& path, const char kind[4], uint32_t maxVersion, bool mmap) {
  std::unique_ptr<FileReader> r(new FileReader());
  r->path_ = path;
  const uint8_t* base = nullptr;
  size_t size = 0;
#if !defined(_WIN32)
  if (mmap) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) ioError("cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) { ::close(fd); ioError("cannot stat", path); }
    size = static_cast<size_t>(st.st_size);
    if (size > 0) {
      void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      ::close(fd);
      if (m == MAP_FAILED) ioError("cannot map", path);
      r->map_ = m;
      r->mapBytes_ = size;
      r->mapped_ = true;
      base = static_cast<const uint8_t*>(m);
    } else {
      ::close(fd);
    }
  }
#endif
  if (!r->mapped_) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) ioError("cannot open", path);
    std::fseek(f, 0, SEEK_END);
    const long len = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    if (len < 0) { std::fclose(f); ioError("cannot read", path); }
    r->owned_.resize(static_cast<size_t>(len));
    if (len > 0 && std::fread(r->owned_.data(), 1, r->owned_.size(), f) != r->owned_.size()) {
      std::fclose(f);
      ioError("cannot read", path);
    }
    std::fclose(f);
    base = r->owned_.data();
    size = r->owned_.size();
  }
  if (size < kFileHeaderBytes + 4) r->corrupt("file is too short to be a maxsim file");
  if (std::memcmp(base, kFileMagic, 8) != 0) r->corrupt("not a maxsim file (bad magic number)");
  if (std::memcmp(base + 8, kind, 4) != 0)
    r->corrupt("file holds a '" + std::string(reinterpret_cast<const char*>(base + 8), 4) + "', not a '" +
               std::string(kind, 4) + "'");
  std::memcpy(&r->version_, base + 12, 4);
  std::memcpy(&r->flags_, base + 16, 4);
  std::memcpy(&r->payloadBytes_, base + 24, 8);
  if (r->version_ < 1 || r->version_ > maxVersion)
    r->corrupt("unsupported format version " + std::to_string(r->version_) + " (this build reads up to " +
               std::to_string(maxVersion) + ")");
  if (r->payloadBytes_ != size - kFileHeaderBytes - 4)
    r->corrupt("file length does not match its header (truncated or extended)");
  uint32_t stored;
  std::memcpy(&stored, base + size - 4, 4);
  const uint32_t crc = crc32c(base, kFileHeaderBytes) ^ crc32c(base + kFileHeaderBytes, r->payloadBytes_);
  if (crc != stored) r->corrupt("checksum mismatch (the file is damaged)");
  r->payload_ = base + kFileHeaderBytes;
  return r;
}

FileReader::~FileReader() {
#if !defined(_WIN32)
  if (map_) ::munmap(map_, mapBytes_);
#endif
}

void FileReader::read(void* out, size_t n) {
  if (n > remaining()) corrupt("unexpected end of data");
  std::memcpy(out, payload_ + pos_, n);
  pos_ += n;
}

const uint8_t* FileReader::borrow(size_t n) {
  if (n > remaining()) corrupt("unexpected end of data");
  const uint8_t* p = payload_ + pos_;
  pos_ += n;
  return p;
}

void FileReader::align(size_t a) {
  const uint64_t pad = (a - (pos_ % a)) % a;
  if (pad > remaining()) corrupt("unexpected end of data");
  pos_ += pad;
}

void FileReader::corrupt(const std::string& what) const {
  throw Error(codes::kCorruptFile, "corrupt or incompatible file '" + path_ + "': " + what);
}

}  // namespace maxsim
