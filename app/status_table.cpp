#include "app/status_table.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace ffleet {

std::string human_duration(double seconds) {
  if (!(seconds >= 0)) return "-";
  if (seconds < 10) return fmt::format("{:.2f}s", std::floor(seconds * 100) / 100);  // a quick failure: "ran 0.93s"
  auto s = static_cast<long long>(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  return fmt::format("{}d{:02}h", s / 86400, s / 3600 % 24);
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{}B", static_cast<long long>(bytes));
  return bytes < 10 ? fmt::format("{:.1f}{}", bytes, units[unit]) : fmt::format("{:.0f}{}", bytes, units[unit]);
}

namespace {

double number(const nlohmann::json& j, const char* key) {
  auto i = j.find(key);
  return (i != j.end() && i->is_number()) ? i->get<double>() : 0.0;
}

std::string text(const nlohmann::json& j, const char* key) {
  auto i = j.find(key);
  return (i != j.end() && i->is_string()) ? i->get<std::string>() : "";
}

// Counts code points, so a UTF-8 line is not cut inside a character.
size_t display_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string cut(const std::string& s, size_t max) {
  if (display_length(s) <= max) return s;
  if (max == 0) return "";
  size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++n == max) break;  // room for the ellipsis
  }
  return s.substr(0, i) + "…";
}

std::vector<std::string> row(const nlohmann::json& j) {
  bool has_pid = j.contains("pid") && j["pid"].is_number();
  auto progress = j.find("progress");
  bool has_progress = progress != j.end() && progress->is_object();
  std::string state = text(j, "state");
  if (j.value("gave_up", false)) state += " (gave up)";
  else if (j.contains("reconnect_in_s") && j["reconnect_in_s"].is_number())
    state += fmt::format(" (retry {:.0f}s)", std::ceil(j["reconnect_in_s"].get<double>()));
  return {
      text(j, "id"),
      state,
      text(j, "order"),
      has_pid ? std::to_string(j["pid"].get<long long>()) : "-",
      has_pid ? human_duration(number(j, "uptime_s")) : "-",
      has_progress ? fmt::format("{:.1f}", number(*progress, "fps")) : "-",
      has_progress ? fmt::format("{:.2f}x", number(*progress, "speed")) : "-",
      has_pid ? fmt::format("{:.1f}%", number(j, "cpu_percent")) : "-",
      has_pid ? human_bytes(number(j, "memory_bytes")) : "-",
      std::to_string(static_cast<long long>(number(j, "restarts"))),
  };
}

}  // namespace

// A cluster's status names each job's node: null while it is pending.
std::string node_cell(const nlohmann::json& j) {
  if (j.contains("node") && j["node"].is_string()) return j["node"].get<std::string>();
  return j.contains("placement") && j["placement"].is_string() ? "pending" : "-";
}

std::string format_status_table(const nlohmann::json& jobs, size_t width) {
  std::vector<std::string> header = {"ID",  "STATE", "ORDER", "PID",      "UPTIME", "FPS",
                                     "SPEED", "CPU", "MEM",   "RESTARTS", "LAST LINE"};
  // A cluster's status (every job has "node") gets a NODE column after ID.
  bool clustered = false;
  if (jobs.is_array()) clustered = !jobs.empty() && jobs[0].contains("node");
  else clustered = jobs.contains("node");
  if (clustered) header.insert(header.begin() + 1, "NODE");
  const size_t last = header.size() - 1;  // the free-width column
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> last_lines;
  auto add = [&](const nlohmann::json& j) {
    rows.push_back(row(j));
    if (clustered) rows.back().insert(rows.back().begin() + 1, node_cell(j));
    std::string line = text(j, "last_line");
    for (char& c : line)  // a stray tab or carriage return would break the row
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    last_lines.push_back(std::move(line));
  };
  if (jobs.is_array())
    for (auto& j : jobs) add(j);
  else
    add(jobs);

  std::vector<size_t> widths(last, 0);
  for (size_t c = 0; c < last; ++c) widths[c] = header[c].size();
  for (auto& r : rows)
    for (size_t c = 0; c < last; ++c) widths[c] = std::max(widths[c], display_length(r[c]));
  // Numbers read best right-aligned; words left-aligned.
  const size_t first_number = clustered ? 4 : 3;  // PID
  auto right = [&](size_t c) { return c >= first_number && c < last; };

  size_t fixed = 0;
  for (size_t w : widths) fixed += w + 2;
  auto render = [&](const std::vector<std::string>& cells, const std::string& tail) {
    std::string line;
    for (size_t c = 0; c < last; ++c) {
      std::string pad(widths[c] - display_length(cells[c]), ' ');
      line += right(c) ? pad + cells[c] : cells[c] + pad;
      line += "  ";
    }
    std::string t = tail;
    if (width > 0) t = cut(t, width > fixed ? width - fixed : 0);
    line += t;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = render(header, header[last]);
  for (size_t i = 0; i < rows.size(); ++i) out += render(rows[i], last_lines[i]);
  return out;
}

}  // namespace ffleet
