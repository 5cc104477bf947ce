// `ffleet run FILE`: the fleet in the foreground.
//
// Start-up order matters (docs/architecture.md, "Start-up and shutdown"):
//  0. fork the spawn helper first, while the daemon is small and has no
//     thread and no fd of its own (src/process/spawner.hpp);
//  1. block SIGINT, SIGTERM and SIGHUP before any thread exists, so every
//     thread inherits the mask and only the reactor's signalfd sees them;
//  2. load and validate the job file (an invalid file: exit 2, nothing runs),
//     then open every job's log_file once (one that does not open: exit 1,
//     nothing runs; a cluster node opens them when it runs the jobs);
//  3. the actor system, the reactor thread, then the actors; systemd hears
//     READY=1 once the fleet and its control endpoints are up;
//  4. wait for the supervisor to finish the shutdown, let the helper actors
//     go, wait for every actor, and only then stop the reactor.
#include <malloc.h>
#include <sys/prctl.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/cluster/cluster_control.hpp"
#include "actors/cluster/event_relay.hpp"
#include "actors/cluster/node_agent.hpp"
#include "actors/control.hpp"
#include "actors/events.hpp"
#include "actors/log_writer.hpp"
#include "actors/sampler.hpp"
#include "actors/supervisor.hpp"
#include "app/commands.hpp"
#include "app/control_plane.hpp"
#include "app/cluster_options.hpp"
#include "app/helper_fence.hpp"
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
  ClusterOptions cluster;  // empty endpoints: a single node, as before
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
  // The supervisor as a spawn argument, not a capture: CAF 0.17.6 dereferences
  // a null argument tuple for an actor spawned without arguments (UBSan stops
  // the daemon there, caf/detail/init_fun_factory.hpp).
  auto reload = [](caf::event_based_actor* self, const supervisor_actor& supervisor) {
    self->send(supervisor, signal_atom::value, static_cast<int32_t>(SIGHUP));
    self->request(supervisor, caf::infinite, jobs_atom::value).then([](std::vector<std::string>& ids) {
      notify_systemd(ready_message(ids));
    });
  };
  sys.spawn(reload, supervisor);
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
  // SIGCHLD goes to the reactor itself: its sweep for escaped descendants.
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Descendants of a job that leave its process group (setsid and a double
  // fork) and outlive the job process are reparented to us, not to init, so
  // they can be killed with their job (src/process/strays.hpp).
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
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

  // The events file is opened by the events actor later; a path it cannot
  // open must stop the start, not silently lose every event.
  if (!opt.events.empty() && opt.events != "-") {
    std::FILE* events = std::fopen(opt.events.c_str(), "a");
    if (!events) {
      std::fprintf(stderr, "ffleet run: --events %s: %s\n", opt.events.c_str(), std::strerror(errno));
      return exit_usage;
    }
    std::fclose(events);
  }

  const bool clustered = !opt.cluster.endpoints.empty();
  ClusterSettings cluster;
  if (clustered) {
    if (auto problem = resolve_cluster_options(opt.cluster, opt.control, cluster); !problem.empty()) {
      std::fprintf(stderr, "ffleet run: %s\n", problem.c_str());
      return exit_usage;
    }
  } else if (opt.file.empty()) {
    std::fprintf(stderr, "ffleet run: a job file is required (or --cluster to join a cluster)\n");
    return exit_usage;
  }
  // A cluster node checks its file too, even if the cluster has one already:
  // an invalid file is a mistake to report at once, not at the next reload.
  LoadResult loaded;
  if (!opt.file.empty()) {
    loaded = load_job_file(opt.file);
    if (!loaded.ok()) {
      for (auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      return exit_usage;
    }
  }
  // Every job's log_file must open now, not fail silently later. A cluster
  // node runs only what is placed on it, so it does not create the files of
  // jobs it may never run: there a file that does not open is logged and
  // counted by the log writer (ffleet_log_write_errors_total).
  if (!clustered) {
    if (auto problems = check_log_files(*loaded.fleet); !problems.empty()) {
      for (auto& p : problems) std::fprintf(stderr, "ffleet run: %s\n", p.c_str());
      return exit_runtime_failure;
    }
  }

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  // Work stealing keeps idle workers polling in short sleeps: measured, that
  // was most of the daemon's CPU with 1000 quiet jobs. Sharing sleeps on a
  // condition variable until there is work.
  cfg.set("scheduler.policy", opt.scheduler == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  configure_control_plane(cfg, ControlRole::daemon);
  caf::actor_system sys{cfg};

  Reactor::Options reactor_opts;
  reactor_opts.coalesce = std::chrono::milliseconds(opt.coalesce_ms);
  reactor_opts.spawner = spawner.get();
  reactor_opts.sweep_strays = true;
  Reactor reactor(reactor_opts);
  reactor.start();

  Services services;
  services.reactor = &reactor;
  // A cluster node keeps its own last events for the other nodes' relays.
  constexpr size_t shared_events = 4096;
  services.events = spawn_events(sys, opt.events, clustered ? shared_events : 0);
  services.sampler = spawn_sampler(sys, std::chrono::milliseconds(opt.sample_ms));
  services.log_writer = spawn_log_writer(sys);

  // A cluster node's supervisor starts empty: the agent hands it the jobs
  // placed on this node once it has claimed them.
  node_agent_actor agent;
  SupervisorArgs args;
  args.path = opt.file;
  if (!clustered) args.fleet = std::move(*loaded.fleet);
  args.services = services;
  if (clustered) {
    NodeAgentArgs agent_args;
    agent_args.endpoints = cluster.endpoints;
    agent_args.info = cluster.info;
    agent_args.lease_ttl = cluster.lease_ttl;
    agent_args.file = opt.file;
    agent_args.events = services.events;
    agent_args.guard = std::make_shared<HelperFence>(*spawner);
    agent = spawn_node_agent(sys, std::move(agent_args));
    args.released = agent;
  }
  auto supervisor = spawn_supervisor(sys, std::move(args));
  if (clustered) {
    // SIGINT/SIGTERM are a clean leave, SIGHUP applies the file to the cluster
    // (placed by the leader later: systemd is not told RELOADING for it).
    reactor.on_signals(signals, [agent](int signo) {
      if (signo != SIGHUP) notify_systemd("STOPPING=1");
      caf::anon_send(agent, signal_atom::value, static_cast<int32_t>(signo));
    });
  } else {
    reactor.on_signals(signals, [&sys, supervisor](int signo) { forward_signal(sys, supervisor, signo); });
  }

  int rc = exit_ok;
  std::unique_ptr<ControlPlane> plane;
  if (clustered) {
    auto make_control = [&](const std::string& token) {
      ControlArgs local;
      local.supervisor = supervisor;
      local.events = services.events;
      local.log_writer = services.log_writer;
      local.token = token;
      auto door = spawn_cluster_control(
          sys, ClusterControlArgs{spawn_control(sys, std::move(local)), agent, services.events, token});
      spawn_event_relay(sys, EventRelayArgs{agent, door, services.events, token});
      return door;
    };
    plane = start_control_plane(sys, make_control, services.events, control);
  } else {
    plane = start_control_plane(sys, supervisor, services.events, services.log_writer, control);
  }
  if (!plane) {
    anon_send(supervisor, shutdown_atom::value, StopMode::graceful);
    rc = exit_runtime_failure;
  } else {
    if (clustered) caf::anon_send(agent, start_atom::value, supervisor);
    notify_when_ready(sys, supervisor);
  }
  {
    caf::scoped_actor self{sys};
    self->wait_for(supervisor);
    if (agent) self->wait_for(agent);  // it quits once the supervisor is gone
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
  agent = nullptr;
  sys.await_all_actors_done();
  reactor.stop();
  set_fence_guard(nullptr);
  return rc;
}

}  // namespace

std::function<int()> add_run_command(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run the fleet of a job file in the foreground");
  cmd->add_option("FILE", opt->file, "The job file (YAML); optional for a cluster node");
  cmd->add_option("--events", opt->events, "Append events as JSON lines to PATH (- = stdout)");
  cmd->add_option("--control", opt->control, "Where `ffleet ctl` reaches the daemon (HOST:PORT)")->capture_default_str();
  cmd->add_option("--http", opt->http, "Serve the HTTP API, metrics and dashboard on HOST:PORT (off by default)");
  cmd->add_option("--token-file", opt->token_file,
                  "File holding the control token (or set FFLEET_TOKEN); required off loopback");
  cmd->add_option("--log-level", opt->log_level, "trace|debug|info|warn|error")->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_option("--log-format", opt->log_format, "text|json")->capture_default_str()->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--coalesce-ms", opt->coalesce_ms,
                  "Batch quiet stderr output for up to this long before delivering it (0 to 10000)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  // 0 would make the sampler read /proc for every job in a busy loop.
  cmd->add_option("--sample-ms", opt->sample_ms, "CPU and memory sampling interval (50 to 60000)")
      ->capture_default_str()
      ->check(CLI::Range(50, 60000));
  cmd->add_option("--scheduler", opt->scheduler, "CAF scheduler policy: sharing|stealing")
      ->check(CLI::IsMember({"sharing", "stealing"}))
      ->group("");  // hidden: for benchmarks
  add_cluster_options(*cmd, opt->cluster);
  return [opt] { return run_fleet(*opt); };
}

}  // namespace ffleet
