#include "quantized_token_store.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "../core/error.h"
#include "../quant/pq_maxsim.h"

namespace maxsim::mvindex {
namespace {

// Training settings. PQ keeps the quantizer defaults (25 Lloyd rounds, 256 points per
// centroid: 65,536 points for 8-bit). The residual codec follows ColBERTv2 (4 k-means rounds)
// on a sample of at most 65,536 tokens with at least 32 of them per centroid, so the default
// centroid count is ColBERTv2's rule clamped to 2,048 (what such a sample supports). Without the
// clamp, 1M SciFact-GloVe tokens ask for 8,192 centroids and training + encoding took ~10 min
// on 2 cores; with it, well under a minute (numbers in docs/multi-vector-index.md).
constexpr uint32_t kResidualIterations = 4;
constexpr uint32_t kResidualPointsPerCentroid = 32;
constexpr size_t kResidualSampleTokens = 65536;

struct PqQuery final : ScoringQuery {
  explicit PqQuery(const quant::ProductQuantizer& pq, const float* q, uint32_t nq) : query(pq, q, nq) {}
  quant::PqMaxsimQuery query;
};

struct ResidualQuery final : ScoringQuery {
  ResidualQuery(const quant::ResidualCodec& c, const float* q, uint32_t nq) : query(c, q, nq) {}
  quant::ResidualMaxsimQuery query;
};

// Before the first training there are no codes; the index only scores empty ranges then.
struct UntrainedQuery final : ScoringQuery {};

[[noreturn]] void notTrained(const char* what) {
  throw Error(codes::kInvalidArgument, std::string("the ") + what + " codec is not trained yet");
}

void checkRetrain(size_t rows) {
  if (rows)
    throw Error(codes::kInvalidArgument,
                "the codec cannot be retrained once tokens are stored (their codes would change meaning)");
}

float finiteOr(float s, bool* nonFinite) {
  if (!std::isfinite(s) && nonFinite) *nonFinite = true;
  return s;
}

}  // namespace

uint32_t defaultPqSubspaces(uint32_t dim) {
  const double target = dim / 4.0;
  uint32_t best = 1;
  for (uint32_t m = 1; m <= dim; ++m)
    if (dim % m == 0 && std::fabs(m - target) <= std::fabs(best - target)) best = m;
  return best;
}

uint32_t defaultResidualCentroids(size_t n) {
  if (n == 0) return 1;
  const double rule = std::pow(2.0, std::floor(std::log2(16.0 * std::sqrt(double(n)))));
  const double supported = std::floor(double(std::min(n, kResidualSampleTokens)) / kResidualPointsPerCentroid);
  const double c = std::min(rule, supported);
  return c < 1 ? 1u : uint32_t(c);
}

// ---- PQ ---------------------------------------------------------------------------------------

PqTokenStore::PqTokenStore(uint32_t dim, const CodecOptions& o) : SegmentedTokenStore(dim) {
  M_ = o.pqSubspaces ? o.pqSubspaces : defaultPqSubspaces(dim);
  bits_ = o.pqBits;
  if (M_ > dim || dim % M_ != 0)
    throw Error(codes::kInvalidArgument, "pqSubspaces must divide dim (" + std::to_string(dim) + "), got " + std::to_string(M_));
  if (bits_ != 8 && bits_ != 4) throw Error(codes::kInvalidArgument, "pqBits must be 4 or 8");
  rows_.setRowBytes(codeSize(), 0);
}

size_t PqTokenStore::codecBytes() const {
  return pq_ ? (pq_->codebook().size() + pq_->rotation().size()) * sizeof(float) : 0;
}

void PqTokenStore::train(const float* rows, size_t n) {
  checkRetrain(rows_.rows());
  quant::PqTrainOptions o;
  o.M = M_;
  o.nbits = bits_;
  o.allowFewer = true;
  pq_ = std::make_shared<quant::ProductQuantizer>(quant::ProductQuantizer::train(rows, n, dim_, o));
}

TokenRange PqTokenStore::reserve(uint32_t count) {
  if (!pq_) notTrained("pq");
  return SegmentedTokenStore::reserve(count);
}

void PqTokenStore::encode(const TokenRange& r, const float* rows) {
  if (r.count) pq_->encode(rows, r.count, rows_.primary(r));
}

void PqTokenStore::copyFrom(const TokenStore& srcBase, const TokenRange& from, const TokenRange& to) {
  const auto& src = static_cast<const PqTokenStore&>(srcBase);
  if (src.kind() != kind() || src.pq_ != pq_) throw Error(codes::kInternal, "copyFrom between different codecs");
  rows_.copyRows(src.rows_, from, to);
}

void PqTokenStore::decode(const TokenRange& r, float* out) const {
  if (r.count) pq_->decode(rows_.primary(r), r.count, out);
}

std::unique_ptr<ScoringQuery> PqTokenStore::prepare(const float* query, uint32_t nq) const {
  if (!pq_) return std::make_unique<UntrainedQuery>();
  return std::make_unique<PqQuery>(*pq_, query, nq);
}

float PqTokenStore::score(const ScoringQuery& base, const TokenRange& r, bool* nonFinite) const {
  if (r.count == 0) return -std::numeric_limits<float>::infinity();
  return finiteOr(static_cast<const PqQuery&>(base).query.score(rows_.primary(r), r.count), nonFinite);
}

std::unique_ptr<TokenStore> PqTokenStore::emptyClone() const {
  CodecOptions o;
  o.pqSubspaces = M_;
  o.pqBits = bits_;
  auto c = std::make_unique<PqTokenStore>(dim_, o);
  c->pq_ = pq_;
  return c;
}

// codec: u32 trained | u32 M | u32 nbits | [f32 codebook vec | f32 rotation vec]
void PqTokenStore::saveCodec(FileWriter& w) const {
  w.pod<uint32_t>(pq_ ? 1 : 0);
  w.pod<uint32_t>(M_);
  w.pod<uint32_t>(bits_);
  if (pq_) {
    w.vec(pq_->codebook());
    w.vec(pq_->rotation());
  }
}

void PqTokenStore::loadCodec(FileReader& r) {
  const uint32_t trained = r.pod<uint32_t>();
  const uint32_t M = r.pod<uint32_t>(), bits = r.pod<uint32_t>();
  if (trained > 1) r.corrupt("bad pq codec flag");
  if (M == 0 || M > dim_ || dim_ % M != 0 || (bits != 4 && bits != 8)) r.corrupt("bad pq codec shape");
  M_ = M;
  bits_ = bits;
  rows_.setRowBytes(codeSize(), 0);
  pq_.reset();
  if (!trained) return;
  std::vector<float> codebook = r.vec<float>(), rotation = r.vec<float>();
  for (float v : codebook)
    if (!std::isfinite(v)) r.corrupt("pq codebook holds a non-finite value");
  try {
    pq_ = std::make_shared<quant::ProductQuantizer>(dim_, M, bits, std::move(codebook), std::move(rotation));
  } catch (const Error& e) {
    r.corrupt(e.what());
  }
}

void PqTokenStore::loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) {
  if (rows && !pq_) r.corrupt("pq tokens without a trained codec");
  SegmentedTokenStore::loadRows(r, rows, borrow, std::move(keep));
}

// ---- residual ----------------------------------------------------------------------------------

ResidualTokenStore::ResidualTokenStore(uint32_t dim, const CodecOptions& o)
    : SegmentedTokenStore(dim), bits_(o.residualBits), centroids_(o.residualCentroids) {
  if (bits_ != 1 && bits_ != 2 && bits_ != 4) throw Error(codes::kInvalidArgument, "residualBits must be 1, 2 or 4");
  if (centroids_ > (1u << 20)) throw Error(codes::kInvalidArgument, "residualCentroids must be at most 2^20");
  rows_.setRowBytes(sizeof(uint32_t), residualBytes());
}

size_t ResidualTokenStore::codecBytes() const {
  return codec_ ? (codec_->centroids().size() + codec_->cutoffs().size() + codec_->weights().size()) * sizeof(float) : 0;
}

void ResidualTokenStore::train(const float* rows, size_t n) {
  checkRetrain(rows_.rows());
  quant::ResidualTrainOptions o;
  o.nbits = bits_;
  o.ncentroids = centroids_ ? centroids_ : defaultResidualCentroids(n);
  o.iterations = kResidualIterations;
  o.maxPointsPerCentroid = kResidualPointsPerCentroid;
  o.allowFewer = true;
  codec_ = std::make_shared<quant::ResidualCodec>(quant::ResidualCodec::train(rows, n, dim_, o));
}

TokenRange ResidualTokenStore::reserve(uint32_t count) {
  if (!codec_) notTrained("residual");
  return SegmentedTokenStore::reserve(count);
}

void ResidualTokenStore::encode(const TokenRange& r, const float* rows) {
  if (r.count)
    codec_->encode(rows, r.count, reinterpret_cast<uint32_t*>(rows_.primary(r)), rows_.secondary(r));
}

void ResidualTokenStore::copyFrom(const TokenStore& srcBase, const TokenRange& from, const TokenRange& to) {
  const auto& src = static_cast<const ResidualTokenStore&>(srcBase);
  if (src.kind() != kind() || src.codec_ != codec_) throw Error(codes::kInternal, "copyFrom between different codecs");
  rows_.copyRows(src.rows_, from, to);
}

void ResidualTokenStore::decode(const TokenRange& r, float* out) const {
  if (r.count)
    codec_->decodeUnchecked(reinterpret_cast<const uint32_t*>(rows_.primary(r)), rows_.secondary(r), r.count, out);
}

std::unique_ptr<ScoringQuery> ResidualTokenStore::prepare(const float* query, uint32_t nq) const {
  if (!codec_) return std::make_unique<UntrainedQuery>();
  return std::make_unique<ResidualQuery>(*codec_, query, nq);
}

float ResidualTokenStore::score(const ScoringQuery& base, const TokenRange& r, bool* nonFinite) const {
  if (r.count == 0) return -std::numeric_limits<float>::infinity();
  const auto& q = static_cast<const ResidualQuery&>(base);
  return finiteOr(q.query.score(reinterpret_cast<const uint32_t*>(rows_.primary(r)), rows_.secondary(r), r.count),
                  nonFinite);
}

std::unique_ptr<TokenStore> ResidualTokenStore::emptyClone() const {
  CodecOptions o;
  o.residualBits = bits_;
  o.residualCentroids = centroids_;
  auto c = std::make_unique<ResidualTokenStore>(dim_, o);
  c->codec_ = codec_;
  return c;
}

// codec: u32 trained | u32 nbits | u32 requested centroids | [f32 centroids vec | cutoffs vec | weights vec]
void ResidualTokenStore::saveCodec(FileWriter& w) const {
  w.pod<uint32_t>(codec_ ? 1 : 0);
  w.pod<uint32_t>(bits_);
  w.pod<uint32_t>(centroids_);
  if (codec_) {
    w.vec(codec_->centroids());
    w.vec(codec_->cutoffs());
    w.vec(codec_->weights());
  }
}

void ResidualTokenStore::loadCodec(FileReader& r) {
  const uint32_t trained = r.pod<uint32_t>();
  const uint32_t bits = r.pod<uint32_t>(), centroids = r.pod<uint32_t>();
  if (trained > 1) r.corrupt("bad residual codec flag");
  if ((bits != 1 && bits != 2 && bits != 4) || centroids > (1u << 20)) r.corrupt("bad residual codec shape");
  bits_ = bits;
  centroids_ = centroids;
  rows_.setRowBytes(sizeof(uint32_t), residualBytes());
  codec_.reset();
  if (!trained) return;
  std::vector<float> c = r.vec<float>(), cut = r.vec<float>(), wts = r.vec<float>();
  for (const auto* v : {&c, &cut, &wts})
    for (float x : *v)
      if (!std::isfinite(x)) r.corrupt("residual codec holds a non-finite value");
  try {
    codec_ = std::make_shared<quant::ResidualCodec>(dim_, bits, std::move(c), std::move(cut), std::move(wts));
  } catch (const Error& e) {
    r.corrupt(e.what());
  }
}

void ResidualTokenStore::loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) {
  if (rows && !codec_) r.corrupt("residual tokens without a trained codec");
  SegmentedTokenStore::loadRows(r, rows, borrow, std::move(keep));
  // Scoring indexes the centroid table by id without a check: every id is checked once here.
  if (rows) {
    const uint32_t* ids = reinterpret_cast<const uint32_t*>(rows_.loadedPrimary());
    const uint32_t c = codec_->ncentroids();
    for (size_t i = 0; i < rows; ++i)
      if (ids[i] >= c) r.corrupt("residual token " + std::to_string(i) + " names centroid " + std::to_string(ids[i]));
  }
}

}  // namespace maxsim::mvindex
