// Catch2's runner, after the exec shim's check: the suite's own real_runner starts children the
// way r1 does, through /proc/self/exe re-executed as the shim (see proc/spawn.hpp).
#define CATCH_CONFIG_RUNNER
#include "engine/redact/redact.hpp"
#include "proc/spawn.hpp"
#include "providers/registry.hpp"

#include <catch2/catch.hpp>

int main(int argc, char** argv) {
    if (auto shim = r1::proc::run_exec_shim(argc, argv)) return *shim;
    r1::proc::harden_process();
    r1::engine::install_secret_formats(r1::providers::registry::builtin().secret_formats());  // as r1's main does
    return Catch::Session().run(argc, argv);
}
