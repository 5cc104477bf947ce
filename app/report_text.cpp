#include "app/report_text.hpp"

#include <fmt/format.h>

#include "app/status_table.hpp"

namespace ffleet {

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto i = j.find(key);
  return (i != j.end() && i->is_string()) ? i->get<std::string>() : "";
}

double num(const nlohmann::json& j, const char* key) {
  auto i = j.find(key);
  return (i != j.end() && i->is_number()) ? i->get<double>() : 0.0;
}

std::string ending(const nlohmann::json& r) {
  if (r.contains("signal") && r["signal"].is_number()) return fmt::format("signal {}", r["signal"].get<int>());
  if (r.contains("exit_code") && r["exit_code"].is_number())
    return fmt::format("exit code {}", r["exit_code"].get<int>());
  return "no exit status";
}

std::string progress_line(const nlohmann::json& p) {
  return fmt::format("frame={} fps={:.1f} q={:.1f} size={} time={:.2f}s bitrate={:.1f}kbits/s speed={:.2f}x dup={} drop={}",
                     static_cast<long long>(num(p, "frame")), num(p, "fps"), num(p, "q"),
                     human_bytes(num(p, "size_bytes")), num(p, "time_s"), num(p, "bitrate_kbps"), num(p, "speed"),
                     static_cast<long long>(num(p, "dup")), static_cast<long long>(num(p, "drop")));
}

}  // namespace

std::string format_log(const nlohmann::json& entries) {
  std::string out;
  for (auto& e : entries) out += str(e, "ts") + "  " + str(e, "text") + "\n";
  return out;
}

std::string format_reports(const nlohmann::json& reports) {
  if (!reports.is_array() || reports.empty()) return "no finished runs yet\n";
  std::string out;
  for (auto& r : reports) {
    if (!out.empty()) out += "\n";
    // The reason is often the ending itself ("exit code 1"): say it once.
    std::string reason = str(r, "reason");
    out += fmt::format("run {}: {} ({}){}\n", static_cast<long long>(num(r, "run")), str(r, "exit_state"),
                       ending(r), reason.empty() || reason == ending(r) ? "" : ", " + reason);
    out += fmt::format("  {} .. {}  ran {}\n", str(r, "started"), str(r, "ended"),
                       human_duration(num(r, "runtime_s")));
    if (r.contains("last_progress") && r["last_progress"].is_object())
      out += "  last progress: " + progress_line(r["last_progress"]) + "\n";
    if (r.contains("usage") && r["usage"].is_object()) {
      auto& u = r["usage"];
      out += fmt::format("  cpu max {:.1f}% avg {:.1f}%, memory max {} avg {}\n", num(u, "cpu_max"),
                         num(u, "cpu_avg"), human_bytes(num(u, "memory_max")), human_bytes(num(u, "memory_avg")));
    }
    if (r.contains("levels") && r["levels"].is_object()) {
      std::string counts;
      for (auto& [level, n] : r["levels"].items())
        if (n.is_number() && n.get<double>() > 0) counts += fmt::format("{}{}={}", counts.empty() ? "" : " ", level, n.dump());
      if (!counts.empty()) out += "  lines by level: " + counts + "\n";
    }
    if (r.contains("prelude") && r["prelude"].is_array() && !r["prelude"].empty()) {
      out += "  prelude:\n";
      for (auto& line : r["prelude"]) out += "    " + (line.is_string() ? line.get<std::string>() : "") + "\n";
    }
    if (r.contains("log") && r["log"].is_array() && !r["log"].empty()) {
      out += "  last lines:\n";
      for (auto& e : r["log"]) out += "    " + str(e, "ts") + "  " + str(e, "text") + "\n";
    }
  }
  return out;
}

}  // namespace ffleet
