// ffleet: a supervisor for fleets of ffmpeg processes.
#include <cstdio>
#include <vector>

#include "app/commands.hpp"
#include "app/unknown_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ffleet: runs the ffmpeg jobs of a YAML file and keeps each one alive"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every command");
  app.set_version_flag("--version", std::string("ffleet ") + FFLEET_VERSION, "Print the version and exit");

  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
  auto add = [&](auto adder) {
    auto run = adder(app);
    commands.emplace_back(app.get_subcommands({}).back(), run);
  };
  add(ffleet::add_run_command);
  add(ffleet::add_validate_command);
  add(ffleet::add_ctl_command);
  app.add_subcommand("version", "Print the version")->callback([] {
    std::printf("ffleet %s\n", FFLEET_VERSION);
  });

  if (auto unknown = ffleet::find_unknown_command(app, argc, argv)) {
    std::fprintf(stderr, "ffleet: %s\nRun 'ffleet --help' for more information.\n", unknown->c_str());
    return ffleet::exit_usage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? ffleet::exit_ok : ffleet::exit_usage;
  }
  for (auto& [sub, run] : commands)
    if (sub->parsed()) return run();
  return ffleet::exit_ok;
}
