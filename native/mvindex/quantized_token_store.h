// Placeholders for the codec-based storage forms. They are real TokenStore subclasses so the
// index, its options and its file format already know them, but their bodies wait for the
// product quantizer and the ColBERTv2 residual codec (native/quant/, branch `pq`).
//
// TODO(pq branch): PqTokenStore = ProductQuantizer codes, (rows, M) u8, scored per query with
//   one LUT per query token (MaxSim over codes); trained on the first add() batch or train().
// TODO(pq branch): ResidualTokenStore = centroid id u32 + nbits-per-dimension residual,
//   scored by decompressing a tile and running the f32 kernel, or by the WARP table.
// Until then creating either throws ERR_INVALID_ARGUMENT "storage 'pq' is not available in
// this build yet", and a file naming them is refused the same way.
#pragma once
#include <string>

#include "../core/error.h"
#include "token_store.h"

namespace maxsim::mvindex {

class UnavailableTokenStore : public TokenStore {
 public:
  UnavailableTokenStore(uint32_t dim, StorageKind kind) : TokenStore(dim), kind_(kind) { unavailable(); }
  StorageKind kind() const override { return kind_; }
  double bytesPerToken() const override { unavailable(); }
  bool trained() const override { return false; }
  void train(const float*, size_t) override { unavailable(); }
  TokenRange reserve(uint32_t) override { unavailable(); }
  void encode(const TokenRange&, const float*) override { unavailable(); }
  void copyFrom(const TokenStore&, const TokenRange&, const TokenRange&) override { unavailable(); }
  void decode(const TokenRange&, float*) const override { unavailable(); }
  std::unique_ptr<ScoringQuery> prepare(const float*, uint32_t) const override { unavailable(); }
  float score(const ScoringQuery&, const TokenRange&, bool*) const override { unavailable(); }
  Mark mark() const override { unavailable(); }
  void rollback(const Mark&) override { unavailable(); }
  size_t rows() const override { return 0; }
  size_t allocatedBytes() const override { return 0; }
  bool borrowed() const override { return false; }
  void saveCodec(FileWriter&) const override { unavailable(); }
  void saveRows(FileWriter&, const std::vector<TokenRange>&) const override { unavailable(); }
  void loadCodec(FileReader&) override { unavailable(); }
  void loadRows(FileReader&, size_t, bool, std::shared_ptr<FileReader>) override { unavailable(); }

 protected:
  [[noreturn]] void unavailable() const {
    throw Error(codes::kInvalidArgument, std::string("storage '") + storageName(kind_) + "' is not available in this build yet");
  }
  StorageKind kind_;
};

class PqTokenStore final : public UnavailableTokenStore {
 public:
  explicit PqTokenStore(uint32_t dim) : UnavailableTokenStore(dim, StorageKind::PQ) {}
  std::unique_ptr<TokenStore> emptyClone() const override { unavailable(); }
};

class ResidualTokenStore final : public UnavailableTokenStore {
 public:
  explicit ResidualTokenStore(uint32_t dim) : UnavailableTokenStore(dim, StorageKind::Residual) {}
  std::unique_ptr<TokenStore> emptyClone() const override { unavailable(); }
};

}  // namespace maxsim::mvindex
