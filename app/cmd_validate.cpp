// `ffleet validate FILE`: prints "FILE: ok, N jobs" on stdout, or every
// error as FILE:LINE:COL: message, one a line, on stderr, and exits 2.
#include <cstdio>

#include "app/commands.hpp"
#include "config/loader.hpp"
#include "src/util/plural.hpp"

namespace ffleet {

std::function<int()> add_validate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "Check a job file and print every error it has");
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "The job file (YAML)")->required();
  return [file] {
    auto result = load_job_file(*file);
    if (!result.ok()) {
      for (auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      return exit_usage;
    }
    std::printf("%s: ok, %s\n", file->c_str(), count_of(result.fleet->jobs.size(), "job").c_str());
    return exit_ok;
  };
}

}  // namespace ffleet
