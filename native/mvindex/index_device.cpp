// MultiVectorIndex on a GPU. toDevice() uploads the live documents once, in their stored
// precision (f32 -> TF32 tensor cores, f16, bf16); a search with onDevice scores every uploaded
// document there (gpu::DeviceCollection::scoreMatrix: queries through pinned buffers on a
// stream) and selects the top k here, where the filter is applied. The CPU path is untouched:
// without toDevice(), or with onDevice false, nothing reaches the GPU.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "../core/error.h"
#include "../kernels/kernels.h"
#include "../scoring/topk.h"
#include "multi_vector_index.h"

namespace maxsim::mvindex {

void MultiVectorIndex::toDevice(int device) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  ElementType type;
  switch (options_.storage) {
    case StorageKind::F32: type = ElementType::F32; break;
    case StorageKind::F16: type = ElementType::F16; break;
    case StorageKind::BF16: type = ElementType::BF16; break;
    default:
      throw Error(codes::kInvalidArgument, std::string("toDevice() needs 'f32', 'f16' or 'bf16' storage, not '") +
                                               storageName(options_.storage) + "'");
  }
  if (device < 0) throw Error(codes::kInvalidArgument, "device must be a non-negative integer");
  // layout: rows (live tokens, dim) in slot order, f32 or 16-bit codes; offsets (documents + 1).
  std::vector<uint32_t> slots;
  std::vector<uint32_t> offsets{0};
  for (uint32_t s = 0; s < ranges_.size(); ++s)
    if (alive_[s]) {
      slots.push_back(s);
      offsets.push_back(offsets.back() + ranges_[s].count);
    }
  const size_t rows = offsets.back();
  const uint32_t dim = options_.dim;
  std::vector<float> f32(rows * dim);
  for (size_t i = 0; i < slots.size(); ++i) store_->decode(ranges_[slots[i]], f32.data() + size_t(offsets[i]) * dim);
  std::vector<uint16_t> half;
  const void* data = f32.data();
  if (type != ElementType::F32) {
    // The decoded values are exactly representable in the stored 16-bit form: a lossless trip.
    half.resize(f32.size());
    const KernelTable& kt = activeKernels();
    (type == ElementType::F16 ? kt.f32ToF16 : kt.f32ToBf16)(f32.data(), half.data(), f32.size());
    std::vector<float>().swap(f32);
    data = half.data();
  }
  std::unique_ptr<gpu::DeviceCollection> uploaded =
      gpu::DeviceCollection::upload(device, type, data, rows, dim, offsets.data(), slots.size());
  std::lock_guard<std::mutex> dl(deviceMutex_);
  device_ = std::move(uploaded);
  deviceSlots_ = std::move(slots);
}

void MultiVectorIndex::releaseDevice() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  std::lock_guard<std::mutex> dl(deviceMutex_);
  device_.reset();
  deviceSlots_.clear();
}

bool MultiVectorIndex::onDevice() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return device_ != nullptr;
}

size_t MultiVectorIndex::deviceBytes() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::lock_guard<std::mutex> dl(deviceMutex_);
  return device_ ? device_->deviceBytes() : 0;
}

// Called with the reader lock held.
std::vector<SearchHits> MultiVectorIndex::searchDevice(const float* queries, const uint32_t* qoff, size_t nqueries,
                                                       size_t k, const Filter& filter) const {
  if (!device_) {
    if (!gpu::built())
      throw Error("ERR_CUDA_UNAVAILABLE",
                  "this build of maxsim has no CUDA backend: rebuild with `npm run build:cuda` on a machine with nvcc");
    throw Error(codes::kInvalidArgument,
                "the index has no GPU copy: call toDevice() first (an add, delete or compaction drops the copy)");
  }
  const size_t ndocs = deviceSlots_.size();
  // Query offsets rebased to the first query, as the device calls read them from `queries`.
  std::vector<uint32_t> rebased(nqueries + 1);
  for (size_t i = 0; i <= nqueries; ++i) rebased[i] = qoff[i] - qoff[0];
  std::vector<SearchHits> out(nqueries);
  const IdKind kind = idMap_.kind() == IdKind::String ? IdKind::String : IdKind::Number;
  if (filter.mode == Filter::Mode::None && std::min(k, ndocs) <= gpu::kMaxDeviceTopK) {
    // Selection on the device too: only the winners cross the bus.
    const size_t kk = std::min(k, ndocs);
    std::vector<uint32_t> ids(nqueries * kk);
    std::vector<float> best(nqueries * kk);
    if (kk) {
      std::lock_guard<std::mutex> dl(deviceMutex_);
      device_->topK(queries + size_t(qoff[0]) * options_.dim, rebased.data(), nqueries, kk, ids.data(), best.data());
    }
    for (size_t qi = 0; qi < nqueries; ++qi) {
      uint32_t* row = ids.data() + qi * kk;
      for (size_t j = 0; j < kk; ++j) {
        if (std::isnan(best[qi * kk + j])) throw Error(codes::kNonFinite, "the GPU returned a NaN score");
        row[j] = deviceSlots_[row[j]];
      }
      fillHits(row, best.data() + qi * kk, kk, out[qi]);
      out[qi].kind = kind;
    }
    return out;
  }
  std::vector<float> scores(nqueries * ndocs);
  {
    std::lock_guard<std::mutex> dl(deviceMutex_);
    if (ndocs) device_->scoreMatrix(queries + size_t(qoff[0]) * options_.dim, rebased.data(), nqueries, scores.data());
  }
  // The filter as a keep-mask over device documents (all of them are live: the copy is dropped
  // by any mutation).
  std::vector<uint32_t> keep;
  keep.reserve(ndocs);
  if (filter.mode == Filter::Mode::None) {
    for (uint32_t i = 0; i < ndocs; ++i) keep.push_back(i);
  } else {
    const std::vector<uint32_t> allowed = candidates(filter);  // live slots the filter lets through, ascending
    size_t a = 0;
    for (uint32_t i = 0; i < ndocs; ++i) {
      while (a < allowed.size() && allowed[a] < deviceSlots_[i]) ++a;
      if (a < allowed.size() && allowed[a] == deviceSlots_[i]) keep.push_back(i);
    }
  }
  std::vector<float> row(keep.size());
  const size_t kk = std::min(k, keep.size());
  std::vector<uint32_t> idx(kk);
  std::vector<float> best(kk);
  for (size_t qi = 0; qi < nqueries; ++qi) {
    for (size_t j = 0; j < keep.size(); ++j) row[j] = scores[qi * ndocs + keep[j]];
    for (float v : row)
      if (std::isnan(v)) throw Error(codes::kNonFinite, "the GPU returned a NaN score");
    selectTopK(row.data(), row.size(), kk, idx.data(), best.data());
    for (auto& i : idx) i = deviceSlots_[keep[i]];
    fillHits(idx.data(), best.data(), kk, out[qi]);
    out[qi].kind = kind;
  }
  return out;
}

}  // namespace maxsim::mvindex
