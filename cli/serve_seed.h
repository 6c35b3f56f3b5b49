// Loads a workspace's bindings (analysis/bindings.h) into a dev server
// (serve --dev --workspace, issue #7): auth mounts with their config and
// roles/users, token roles, entities with their aliases, groups with members
// and aliases. Every object is written as an API request with the root token
// (runtime::Server::Call), so the runtime's own validation decides; auth mounts
// are enabled through the same Core::EnableMount that POST sys/auth calls, but
// keep the workspace's accessor (runtime::Server::EnableAuth). What the runtime
// refuses or cannot serve (aws, github, other types, namespaces) is reported,
// one note per object naming the bindings file:line, and the rest still loads.
//
//   SeedCounts counts = SeedBindings(ws.bindings, *ws.sources, server, dev.root_token, std::cerr);
#pragma once

#include <ostream>
#include <string>

#include "analysis/bindings.h"
#include "base/expected.h"
#include "base/source.h"
#include "config/config.h"
#include "runtime/server.h"

namespace polcheck::cli {

struct SeedCounts {
  int mounts = 0;
  int roles = 0;  // roles, userpass users and token roles
  int entities = 0;
  int groups = 0;
  int skipped = 0;  // objects (mounts, roles, entities, aliases, groups) not loaded; each has a note
};

// Writes `bindings` into `server` as `root_token`. Notes go to `notes`, one
// line each: "polcheck serve: note: FILE:LINE: <object> not loaded: <why>".
// Serves one secrets engine of the workspace config: KV through Server::MountKv,
// database as POST sys/mounts/:path {"type":"database"} as `root_token`.
// kUnsupported for other types; kInvalidArgument with the runtime's refusal.
[[nodiscard]] Expected<void> MountEngine(runtime::Server& server, const config::Mount& mount,
                                         const std::string& root_token);

SeedCounts SeedBindings(const analysis::Bindings& bindings, const SourceSet& sources, runtime::Server& server,
                        const std::string& root_token, std::ostream& notes);

}  // namespace polcheck::cli
