#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace maxsim {
namespace {

struct Job {
  size_t n = 0, grain = 1;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};     // items finished (or skipped after an error)
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex errorMutex;
  std::mutex doneMutex;
  std::condition_variable doneCv;

  // Claims and runs chunks until none is left. Returns when this thread has nothing to claim.
  void work() {
    for (;;) {
      const size_t b = next.fetch_add(grain, std::memory_order_relaxed);
      if (b >= n) return;
      const size_t e = std::min(n, b + grain);
      if (!failed.load(std::memory_order_relaxed)) {
        try {
          (*fn)(b, e);
        } catch (...) {
          std::lock_guard<std::mutex> lock(errorMutex);
          if (!error) error = std::current_exception();
          failed.store(true, std::memory_order_relaxed);
        }
      }
      if (done.fetch_add(e - b, std::memory_order_acq_rel) + (e - b) == n) {
        std::lock_guard<std::mutex> lock(doneMutex);
        doneCv.notify_all();
      }
    }
  }
};

class Pool {
 public:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("MAXSIM_THREADS")) {
      const int v = std::atoi(env);
      if (v > 0) n = v;
    }
    resize(n < 1 ? 1 : n);
  }
  ~Pool() { resize(1); }

  int size() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(workers_.size()) + 1;
  }

  void resize(int total) {
    if (total < 1) total = 1;
    if (total > 1024) total = 1024;
    std::vector<std::thread> stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const size_t want = static_cast<size_t>(total - 1);
      while (workers_.size() < want) {
        const size_t idx = workers_.size();
        workers_.emplace_back([this, idx] { loop(idx); });
      }
      if (workers_.size() > want) {
        target_ = want;
        for (size_t i = want; i < workers_.size(); ++i) stopping.push_back(std::move(workers_[i]));
        workers_.resize(want);
      }
      target_ = want;
    }
    cv_.notify_all();
    for (auto& t : stopping) t.join();
  }

  void run(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(job);
    }
    cv_.notify_all();
    job->work();
    {
      std::unique_lock<std::mutex> lock(job->doneMutex);
      job->doneCv.wait(lock, [&] { return job->done.load(std::memory_order_acquire) >= job->n; });
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = std::find(queue_.begin(), queue_.end(), job);
      if (it != queue_.end()) queue_.erase(it);
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void loop(size_t idx) {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return idx >= target_ || hasWork(); });
        if (idx >= target_) return;
        job = pickJob();
      }
      if (job) job->work();
    }
  }
  bool hasWork() const {
    for (const auto& j : queue_)
      if (j->next.load(std::memory_order_relaxed) < j->n) return true;
    return false;
  }
  std::shared_ptr<Job> pickJob() {
    for (auto it = queue_.begin(); it != queue_.end();) {
      if ((*it)->next.load(std::memory_order_relaxed) < (*it)->n) return *it;
      it = queue_.erase(it);  // fully claimed; its owner waits on it directly
    }
    return nullptr;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::deque<std::shared_ptr<Job>> queue_;
  size_t target_ = 0;
};

Pool& pool() {
  // Leaked on purpose: joining threads from a static destructor at process exit can deadlock
  // with Node's own shutdown.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

int threadCount() { return pool().size(); }
void setThreadCount(int n) { pool().resize(n); }

void parallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  if (n <= grain || threadCount() == 1) {
    fn(0, n);
    return;
  }
  auto job = std::make_shared<Job>();
  job->n = n;
  job->grain = grain;
  job->fn = &fn;
  pool().run(job);
}

}  // namespace maxsim
