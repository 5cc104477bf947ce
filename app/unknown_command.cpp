#include "app/unknown_command.hpp"

namespace ffleet {

namespace {

std::string command_list(CLI::App& app) {
  std::string out;
  for (auto* sub : app.get_subcommands({})) out += (out.empty() ? "" : ", ") + sub->get_name();
  return out;
}

// Does `token` (an option of `app`, maybe "--name=value") consume the next word?
bool takes_next_word(CLI::App& app, const std::string& token) {
  if (token.find('=') != std::string::npos) return false;
  const CLI::Option* option = app.get_option_no_throw(token);
  return option != nullptr && option->get_expected_min() > 0;
}

}  // namespace

std::optional<std::string> find_unknown_command(CLI::App& app, int argc, const char* const* argv) {
  CLI::App* level = &app;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") return std::nullopt;
    if (!word.empty() && word[0] == '-') {
      if (takes_next_word(*level, word)) ++i;
      continue;
    }
    if (level->get_subcommands({}).empty()) return std::nullopt;  // a positional argument (FILE, ID)
    CLI::App* sub = nullptr;
    for (auto* candidate : level->get_subcommands({}))
      if (candidate->check_name(word)) sub = candidate;
    if (sub == nullptr) {
      std::string where = level == &app ? "" : level->get_name() + " ";
      return "unknown command: " + where + word + " (commands: " + command_list(*level) + ")";
    }
    level = sub;
  }
  return std::nullopt;
}

}  // namespace ffleet
