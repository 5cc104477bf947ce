#include "app/http_log_follow.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

namespace ffleet {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds poll_interval{250};
// A comment line every so often keeps proxies from closing a quiet stream
// and lets us notice a client that went away.
constexpr std::chrono::seconds keep_alive{10};

std::atomic<int> open_follows{0};

// Holds one of the max_log_follows places until the stream ends.
struct Place {
  Place() = default;
  Place(const Place&) = delete;
  ~Place() { --open_follows; }
};

bool take_place() {
  if (++open_follows <= max_log_follows) return true;
  --open_follows;
  return false;
}

void json_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", message}}.dump(), "application/json");
}

uint64_t last_event_id(const httplib::Request& req) {
  auto text = req.get_header_value("Last-Event-ID");
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoull(text);
}

std::string as_events(const json& entries) {
  std::string out;
  for (auto& e : entries) {
    out += "id: " + std::to_string(e.value("seq", uint64_t{0})) + "\n";
    out += "data: " + e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
  }
  return out;
}

}  // namespace

void follow_log(const httplib::Request& req, httplib::Response& res, ControlCall call, const std::string& id,
                uint32_t lines) {
  // The first answer decides the status code: an unknown job is a 404, not
  // an empty stream.
  uint64_t after = last_event_id(req);
  std::vector<std::string> first = {"logs", id, std::to_string(lines)};
  if (after > 0) first = {"logs", id, std::to_string(std::numeric_limits<uint32_t>::max()), std::to_string(after)};
  auto reply = call(first);
  if (reply.kind != "ok") {
    res.status = http_status(reply.kind);
    res.set_content(reply.body, "application/json");
    return;
  }
  if (!take_place()) return json_error(res, 503, "too many open log streams");
  auto place = std::make_shared<Place>();
  auto backlog = json::parse(reply.body, nullptr, false);
  if (backlog.is_array() && !backlog.empty()) after = backlog.back().value("seq", after);

  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  std::string greeting = "retry: 2000\n: ffleet log of " + id + "\n\n" + as_events(backlog);
  res.set_chunked_content_provider(
      "text/event-stream",
      [place, call, id, after, greeting](size_t, httplib::DataSink& sink) mutable {
        if (!greeting.empty()) {
          bool sent = sink.write(greeting.data(), greeting.size());
          greeting.clear();
          return sent;
        }
        // Waits for new lines, up to keep_alive; ends when the fleet no longer knows the job.
        auto until = Clock::now() + keep_alive;
        std::string chunk = ": keep-alive\n\n";
        while (Clock::now() < until && sink.is_writable()) {
          auto r = call({"logs", id, std::to_string(std::numeric_limits<uint32_t>::max()), std::to_string(after)});
          if (r.kind != "ok") {
            std::string bye = ": the log ended: " + r.body + "\n\n";
            sink.write(bye.data(), bye.size());
            sink.done();
            return true;
          }
          auto entries = json::parse(r.body, nullptr, false);
          if (entries.is_array() && !entries.empty()) {
            uint64_t first_seq = entries.front().value("seq", after + 1);
            chunk = first_seq > after + 1
                        ? ": " + std::to_string(first_seq - after - 1) + " lines were written faster than they could be followed\n\n"
                        : "";
            chunk += as_events(entries);
            after = entries.back().value("seq", after);
            break;
          }
          std::this_thread::sleep_for(poll_interval);
        }
        return sink.write(chunk.data(), chunk.size());
      });
}

}  // namespace ffleet
