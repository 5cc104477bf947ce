#include "src/rate_window.hpp"

#include <algorithm>

namespace ffleet {

RateWindow::RateWindow(std::chrono::seconds window, std::chrono::milliseconds min_span)
    : window_(std::max<int64_t>(window.count(), 1)),
      min_span_(min_span),
      buckets_(static_cast<size_t>(window_)) {}

void RateWindow::start(SteadyTime t) {
  started_ = true;
  origin_ = t;
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
  if (b.index != index) b = Bucket{index, 0};  // an old bucket falls out
  b.sum += amount;
}

std::optional<double> RateWindow::per_second(SteadyTime now) const {
  if (!started_ || now < origin_) return std::nullopt;
  int64_t current = bucket_index(now);
  int64_t oldest = std::max<int64_t>(current - window_ + 1, 0);
  auto span = (now - origin_) - std::chrono::seconds(oldest);
  if (span < min_span_ || span.count() <= 0) return std::nullopt;
  double sum = 0;
  for (const Bucket& b : buckets_)
    if (b.index >= oldest && b.index <= current) sum += b.sum;
  return sum / std::chrono::duration<double>(span).count();
}

}  // namespace ffleet
