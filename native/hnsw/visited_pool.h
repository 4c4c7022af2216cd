// Visited sets for graph searches. A set is an array of 16-bit generation tags, one per slot:
// "visited" means tag == current generation, so starting a new search is one increment instead
// of clearing the array (a full clear happens once every 65,535 searches). Sets are kept in a
// pool so concurrent searches never share one and no search allocates once the pool is warm.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace maxsim::hnsw {

class VisitedSet {
 public:
  // Makes the set cover `n` slots and starts a new generation.
  void begin(size_t n) {
    if (n > size_) {
      tags_.reset(new uint16_t[n]());
      size_ = n;
      gen_ = 0;
    }
    if (++gen_ == 0) {
      std::memset(tags_.get(), 0, size_ * sizeof(uint16_t));
      gen_ = 1;
    }
  }
  bool visited(uint32_t i) const { return tags_[i] == gen_; }
  // Marks i; returns true when it was not visited before.
  bool insert(uint32_t i) {
    if (tags_[i] == gen_) return false;
    tags_[i] = gen_;
    return true;
  }
  const uint16_t* tagAddress(uint32_t i) const { return &tags_[i]; }
  size_t bytes() const { return size_ * sizeof(uint16_t); }

 private:
  std::unique_ptr<uint16_t[]> tags_;
  size_t size_ = 0;
  uint16_t gen_ = 0;
};

class VisitedPool {
 public:
  std::unique_ptr<VisitedSet> acquire() {
    std::lock_guard<std::mutex> g(mu_);
    if (free_.empty()) return std::make_unique<VisitedSet>();
    auto s = std::move(free_.back());
    free_.pop_back();
    return s;
  }
  void release(std::unique_ptr<VisitedSet> s) {
    std::lock_guard<std::mutex> g(mu_);
    free_.push_back(std::move(s));
  }
  size_t bytes() {
    std::lock_guard<std::mutex> g(mu_);
    size_t b = 0;
    for (auto& s : free_) b += s->bytes();
    return b;
  }
  void clear() {
    std::lock_guard<std::mutex> g(mu_);
    free_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<VisitedSet>> free_;
};

// Borrows a set for one scope.
class VisitedLease {
 public:
  VisitedLease(VisitedPool& pool, size_t n) : pool_(pool), set_(pool.acquire()) { set_->begin(n); }
  ~VisitedLease() { pool_.release(std::move(set_)); }
  VisitedSet& operator*() { return *set_; }
  VisitedSet* operator->() { return set_.get(); }

 private:
  VisitedPool& pool_;
  std::unique_ptr<VisitedSet> set_;
};

}  // namespace maxsim::hnsw
