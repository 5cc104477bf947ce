// Escaped descendants ("strays"): processes a job started that left its
// process group (setsid, then a double fork, as daemons do), which the
// group kill of the job does not reach.
//
// How none is left behind:
//  - every job process is a child subreaper (child_main sets
//    PR_SET_CHILD_SUBREAPER before exec; exec keeps it), so while it runs,
//    a descendant whose parent dies is reparented to it, not to init: the
//    job's tree stays one tree (the sampler counts it whole, following
//    parents);
//  - the daemon is a child subreaper too (ffleet run), so when a job process
//    ends, its remaining descendants are reparented to the daemon;
//  - the daemon's children are its job processes and the spawn helper, so
//    any other child of the daemon is a stray whose job has ended: the
//    reactor SIGKILLs it and reaps it once dead (ReactorOptions::sweep_strays,
//    on SIGCHLD and at the end). Its own children come to the daemon in turn
//    and go the same way.
//
// The reactor sweeps only while no spawn is in flight at the helper: a job
// process the helper just created is the daemon's child before the daemon
// knows its pid, and must never be taken for a stray.
#pragma once

#include <sys/types.h>

#include <unordered_set>
#include <vector>

namespace ffleet::strays {

// Children of this process, from /proc/self/task/*/children.
std::vector<pid_t> children_of_self();

// Every child of this process not in `ours` is sent SIGKILL if alive and
// reaped if dead; through a pidfd, so a pid reused meanwhile is never hit.
// until_none: wait for each to die, and go on until no such child is left
// (each may leave children of its own to us); else never blocks. Returns
// how many strays were found.
size_t sweep(const std::unordered_set<pid_t>& ours, bool until_none);

}  // namespace ffleet::strays
