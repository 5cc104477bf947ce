#include "src/ffmpeg/rate_window.hpp"

#include <algorithm>

namespace ffleet {

RateWindow::RateWindow(std::chrono::seconds window, std::chrono::milliseconds min_span)
    : window_(std::max<int64_t>(window.count(), 1)),
      min_span_(min_span),
      buckets_(static_cast<size_t>(window_)) {}

void RateWindow::start(SteadyTime t) {
  started_ = true;
  origin_ = last_ = t;
  std::fill(buckets_.begin(), buckets_.end(), Bucket{});
}

int64_t RateWindow::bucket_index(SteadyTime t) const {
  if (t <= origin_) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(t - origin_).count();
}

void RateWindow::add(SteadyTime t, double amount) {
  if (!started_) return;
  int64_t index = bucket_index(t);
  Bucket& b = buckets_[static_cast<size_t>(index % window_)];
  if (b.index != index) b = Bucket{index, 0, last_};  // an old bucket falls out
  b.sum += amount;
  last_ = std::max(last_, t);
}

std::optional<double> RateWindow::per_second(SteadyTime now) const {
  if (!started_ || now < origin_) return std::nullopt;
  int64_t current = bucket_index(now);
  int64_t oldest = current - window_ + 1;
  double sum = 0;
  std::optional<SteadyTime> from;
  for (const Bucket& b : buckets_) {
    if (b.index < oldest || b.index > current || b.index < 0) continue;
    sum += b.sum;
    if (!from || b.from < *from) from = b.from;
  }
  if (!from) {  // nothing added for a whole window: nothing moved
    if (now - origin_ < min_span_) return std::nullopt;
    return 0.0;
  }
  auto span = now - *from;
  if (span < min_span_ || span.count() <= 0) return std::nullopt;
  return sum / std::chrono::duration<double>(span).count();
}

}  // namespace ffleet
