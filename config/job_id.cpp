#include "config/job_id.hpp"

namespace ffleet {

namespace {
bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
}  // namespace

std::optional<std::string> job_id_problem(std::string_view id) {
  if (id.empty()) return "it is empty";
  if (id.size() > max_job_id_length) return "longer than " + std::to_string(max_job_id_length) + " characters";
  if (!is_alnum(id.front())) return "it must start with a letter or a digit";
  for (char c : id)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
      return "use only letters, digits, '.', '_' and '-'";
  return std::nullopt;
}

}  // namespace ffleet
