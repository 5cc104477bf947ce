// `ffleet run FILE`: the fleet in the foreground.
//
// Start-up order matters (docs/architecture.md, "Start-up and shutdown"):
//  0. fork the spawn helper first, while the daemon is small and has no
//     thread and no fd of its own (src/process/spawner.hpp);
//  1. block SIGINT, SIGTERM and SIGHUP before any thread exists, so every
//     thread inherits the mask and only the reactor's signalfd sees them;
//  2. load and validate the job file (an invalid file: exit 2, nothing runs),
//     then open every file the fleet writes once (one that does not open:
//     exit 1, nothing runs);
//  3. the actor system, the reactor thread, then the actors; systemd hears
//     READY=1 once the fleet and its control endpoints are up;
//  4. wait for the supervisor to finish the shutdown, let the helper actors
//     go, wait for every actor, and only then stop the reactor.
#include <malloc.h>

#include <csignal>
#include <cstdio>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/events.hpp"
#include "actors/log_writer.hpp"
#include "actors/sampler.hpp"
#include "actors/supervisor.hpp"
#include "app/commands.hpp"
#include "app/control_plane.hpp"
#include "app/startup_checks.hpp"
#include "app/systemd_notify.hpp"
#include "config/loader.hpp"
#include "src/util/logging.hpp"
#include "src/util/plural.hpp"
#include "src/process/reactor.hpp"
#include "src/process/spawner.hpp"

namespace ffleet {

namespace {

struct RunOptions {
  std::string file;
  std::string events;
  std::string control = "127.0.0.1:7400";
  std::string http;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string token_file;
  int coalesce_ms = 100;
  int sample_ms = 1000;
  std::string scheduler = "sharing";
};

std::string ready_message(const std::vector<std::string>& ids) {
  return "READY=1\nSTATUS=running " + count_of(ids.size(), "job");
}

// Once the supervisor answers (its jobs are spawned and starting): READY=1.
void notify_when_ready(caf::actor_system& sys, const supervisor_actor& supervisor) {
  caf::scoped_actor self{sys};
  self->request(supervisor, std::chrono::seconds(30), jobs_atom::value)
      .receive(
          [](std::vector<std::string>& ids) {
            notify_systemd(ready_message(ids));
          },
          [](caf::error&) {});
}

// From the reactor's signalfd to the supervisor, telling systemd what
// happens: SIGHUP is a reload (RELOADING=1, READY=1 once applied),
// SIGINT/SIGTERM a stop (STOPPING=1). The reload is done when the
// supervisor answers a question sent after the signal by the same actor
// (one sender's messages arrive in order).
void forward_signal(caf::actor_system& sys, const supervisor_actor& supervisor, int signo) {
  if (signo != SIGHUP) {
    notify_systemd("STOPPING=1");
    caf::anon_send(supervisor, signal_atom::value, static_cast<int32_t>(signo));
    return;
  }
  notify_systemd("RELOADING=1");
  sys.spawn([supervisor](caf::event_based_actor* self) {
    self->send(supervisor, signal_atom::value, static_cast<int32_t>(SIGHUP));
    self->request(supervisor, caf::infinite, jobs_atom::value)
        .then([](std::vector<std::string>& ids) {
          notify_systemd(ready_message(ids));
        });
  });
}

int run_fleet(const RunOptions& opt) {
  std::string helper_error;
  auto spawner = SpawnHelper::start(&helper_error);
  if (!spawner) {
    std::fprintf(stderr, "ffleet run: %s\n", helper_error.c_str());
    return exit_runtime_failure;
  }
  set_fence_guard(spawner.get());
  // One malloc arena: the daemon has a handful of threads and little
  // contention, and per-thread arenas cost ~4 MiB of RSS at 1000 jobs
  // (measured: 35.8 -> 31.8 MiB).
  mallopt(M_ARENA_MAX, 1);
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a closed socket or file is an error code, not a death

  setup_logging(spdlog::level::from_str(opt.log_level),
                opt.log_format == "json" ? LogFormat::json : LogFormat::text);

  // An unprotected endpoint off loopback is refused before anything runs.
  ControlOptions control;
  control.control = opt.control;
  control.http = opt.http;
  control.token_file = opt.token_file;
  if (auto problem = resolve_control_options(control); !problem.empty()) {
    std::fprintf(stderr, "ffleet run: %s\n", problem.c_str());
    return exit_usage;
  }

  auto loaded = load_job_file(opt.file);
  if (!loaded.ok()) {
    for (auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return exit_usage;
  }
  if (auto problems = check_output_files(opt.events, *loaded.fleet); !problems.empty()) {
    for (auto& p : problems) std::fprintf(stderr, "ffleet run: %s\n", p.c_str());
    return exit_runtime_failure;
  }

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  // Work stealing keeps idle workers polling in short sleeps: measured, that
  // was most of the daemon's CPU with 1000 quiet jobs. Sharing sleeps on a
  // condition variable until there is work.
  cfg.set("scheduler.policy", opt.scheduler == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  configure_control_plane(cfg);
  caf::actor_system sys{cfg};

  Reactor::Options reactor_opts;
  reactor_opts.coalesce = std::chrono::milliseconds(opt.coalesce_ms);
  reactor_opts.spawner = spawner.get();
  Reactor reactor(reactor_opts);
  reactor.start();

  Services services;
  services.reactor = &reactor;
  services.events = spawn_events(sys, opt.events);
  services.sampler = spawn_sampler(sys, std::chrono::milliseconds(opt.sample_ms));
  services.log_writer = spawn_log_writer(sys);

  SupervisorArgs args;
  args.path = opt.file;
  args.fleet = std::move(*loaded.fleet);
  args.services = services;
  auto supervisor = spawn_supervisor(sys, std::move(args));
  reactor.on_signals(signals, [&sys, supervisor](int signo) { forward_signal(sys, supervisor, signo); });

  int rc = exit_ok;
  auto plane = start_control_plane(sys, supervisor, services.events, services.log_writer, control);
  if (!plane) {
    anon_send(supervisor, shutdown_atom::value, StopMode::graceful);
    rc = exit_runtime_failure;
  } else {
    notify_when_ready(sys, supervisor);
  }
  {
    caf::scoped_actor self{sys};
    self->wait_for(supervisor);
    plane.reset();  // stops HTTP and unpublishes the control actor
    self->request(services.events, std::chrono::seconds(5), close_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
    self->request(services.log_writer, std::chrono::seconds(5), close_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
  }
  caf::anon_send_exit(services.sampler, caf::exit_reason::user_shutdown);
  reactor.on_signals(signals, nullptr);  // drops the last handle the reactor holds
  services = Services{};
  supervisor = nullptr;
  sys.await_all_actors_done();
  reactor.stop();
  set_fence_guard(nullptr);
  return rc;
}

}  // namespace

std::function<int()> add_run_command(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run the fleet of a job file in the foreground");
  cmd->add_option("FILE", opt->file, "The job file (YAML)")->required();
  cmd->add_option("--events", opt->events, "Append events as JSON lines to PATH (- = stdout)");
  cmd->add_option("--control", opt->control, "Where `ffleet ctl` reaches the daemon (HOST:PORT)")->capture_default_str();
  cmd->add_option("--http", opt->http, "Serve the HTTP API, metrics and dashboard on HOST:PORT (off by default)");
  cmd->add_option("--token-file", opt->token_file,
                  "File holding the control token (or set FFLEET_TOKEN); required off loopback");
  cmd->add_option("--log-level", opt->log_level, "trace|debug|info|warn|error")->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_option("--log-format", opt->log_format, "text|json")->capture_default_str()->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--coalesce-ms", opt->coalesce_ms,
                  "Batch quiet stderr output for up to this long before delivering it")->capture_default_str();
  cmd->add_option("--sample-ms", opt->sample_ms, "CPU and memory sampling interval")->capture_default_str();
  cmd->add_option("--scheduler", opt->scheduler, "CAF scheduler policy: sharing|stealing")
      ->check(CLI::IsMember({"sharing", "stealing"}))
      ->group("");  // hidden: for benchmarks
  return [opt] { return run_fleet(*opt); };
}

}  // namespace ffleet
