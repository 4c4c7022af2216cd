#include "token_store.h"

#include "dense_token_store.h"
#include "quantized_token_store.h"

namespace maxsim::mvindex {

const char* storageName(StorageKind k) {
  switch (k) {
    case StorageKind::F32: return "f32";
    case StorageKind::F16: return "f16";
    case StorageKind::BF16: return "bf16";
    case StorageKind::Int8: return "int8";
    case StorageKind::Binary: return "binary";
    case StorageKind::PQ: return "pq";
    case StorageKind::Residual: return "residual";
  }
  return "?";
}

bool parseStorage(const std::string& name, StorageKind* out) {
  for (uint32_t i = 0; i < kStorageKindCount; ++i)
    if (name == storageName(StorageKind(i))) {
      *out = StorageKind(i);
      return true;
    }
  return false;
}

std::unique_ptr<TokenStore> createTokenStore(StorageKind kind, uint32_t dim, const CodecOptions& codec) {
  switch (kind) {
    case StorageKind::F32: return std::make_unique<F32TokenStore>(dim);
    case StorageKind::F16: return std::make_unique<F16TokenStore>(dim);
    case StorageKind::BF16: return std::make_unique<Bf16TokenStore>(dim);
    case StorageKind::Int8: return std::make_unique<Int8TokenStore>(dim);
    case StorageKind::Binary: return std::make_unique<BinaryTokenStore>(dim);
    case StorageKind::PQ: return std::make_unique<PqTokenStore>(dim, codec);
    case StorageKind::Residual: return std::make_unique<ResidualTokenStore>(dim, codec);
  }
  throw Error(codes::kInvalidArgument, "unknown storage kind");
}

}  // namespace maxsim::mvindex
